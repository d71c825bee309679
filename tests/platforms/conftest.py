"""A local X API server for the X tests."""

import pytest

from tests.fakes.http_server import LocalServer
from tests.fakes.x_api import FakeX


@pytest.fixture
def x():
    fake = FakeX()
    with LocalServer(fake) as server:
        fake.server = server  # type: ignore[attr-defined]
        yield fake
