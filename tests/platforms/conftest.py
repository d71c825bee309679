"""Local API servers for the platform tests: a Graph API with one account, and X."""

import pytest

from tests.fakes.graph_api import FakeGraph
from tests.fakes.http_server import served
from tests.fakes.x_api import FakeX

IG = "17841400000000001"
TOKEN = "EAAG-brand-one-secret"


@pytest.fixture
def graph():
    fake = FakeGraph()
    fake.add_account(IG, TOKEN, followers=5200)
    with served(fake):
        yield fake


@pytest.fixture
def slept():
    """The waits a client asked for, recorded instead of spent."""
    return []


@pytest.fixture
def x():
    with served(FakeX()) as fake:
        yield fake
