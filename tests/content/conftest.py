"""A local chat-completions server for the LLM tests."""

import pytest

from tests.fakes.chat_api import FakeChat
from tests.fakes.http_server import served


@pytest.fixture
def chat():
    with served(FakeChat()) as fake:
        yield fake
