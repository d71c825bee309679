"""A local chat-completions server for the LLM tests."""

import pytest

from tests.fakes.chat_api import FakeChat
from tests.fakes.http_server import LocalServer


@pytest.fixture
def chat():
    fake = FakeChat()
    with LocalServer(fake) as server:
        fake.server = server  # type: ignore[attr-defined]
        yield fake
