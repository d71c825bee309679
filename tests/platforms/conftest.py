"""A local X API server for the X tests."""

import pytest

from tests.fakes.http_server import served
from tests.fakes.x_api import FakeX


@pytest.fixture
def x():
    with served(FakeX()) as fake:
        yield fake
