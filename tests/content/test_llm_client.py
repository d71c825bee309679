"""The LLM client against a real local server speaking the chat-completions JSON.

Protects: JSON mode and the prompt's shape are what is sent; blank and non-JSON replies are
retried; 400/401/402/422 are not (the same request cannot succeed); 429/500/503, timeouts and
truncated bodies are, with jitter; usage tokens come back for the cost record; the key travels
only in the Authorization header.
"""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.chat_api import api_error, completion, post_json
from tests.fakes.http_server import Reply
from toby_pipelines.content.llm_client import ChatClient, Prices
from toby_pipelines.platforms.api_errors import (
    PermanentApiError,
    RateLimitedError,
    TokenExpiredError,
    TransientApiError,
)

KEY = "sk-test-secret-key"
GOOD = completion(post_json("T", "C", ["a", "b"]))


def client(chat, slept, **kwargs) -> ChatClient:
    return ChatClient(
        api_key=KEY,
        model="deepseek-v9",
        base_url=chat.server.url,
        sleep=slept.append,
        timeout=httpx.Timeout(kwargs.pop("timeout", 2.0)),
        **kwargs,
    )


def test_sends_json_mode_with_the_model_and_returns_usage(chat):
    slept: list[float] = []
    reply = client(chat, slept).complete_json("system says", "user says")
    assert reply.content["title"] and (reply.prompt_tokens, reply.completion_tokens) == (420, 180)
    [request] = chat.server.requests
    assert request.body["response_format"] == {"type": "json_object"}
    assert request.body["model"] == "deepseek-v9"
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in request.path + str(request.query) and "sk-" not in repr(client(chat, slept))


@pytest.mark.parametrize(
    "fault",
    [
        completion(""),
        completion("   "),
        completion("Sure! Here is your post: title..."),
        api_error(429, "Rate limit reached", "rate_limit_error"),
        api_error(500, "Server error", "server_error"),
        api_error(503, "Server overloaded", "server_error"),
        Reply(200, GOOD.body, truncate=True),
        Reply(200, GOOD.body, delay_seconds=1.5),
    ],
    ids=["blank", "spaces", "not_json", "429", "500", "503", "truncated", "timeout"],
)
def test_retried_faults_succeed_on_a_later_attempt(chat, fault):
    chat.script = [fault, fault]
    slept: list[float] = []
    reply = client(chat, slept, timeout=0.5).complete_json("s", "u")
    assert reply.attempts == 3 and reply.content["title"] == "What Sleep Does To Your Energy"
    # Full jitter: each wait is random within the exponential ceiling (2 s, then 4 s).
    assert len(slept) == 2 and 0 <= slept[0] <= 2.0 and 0 <= slept[1] <= 4.0


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, PermanentApiError),
        (401, TokenExpiredError),
        (402, PermanentApiError),
        (422, PermanentApiError),
    ],
)
def test_requests_that_cannot_succeed_are_not_retried(chat, status, error):
    chat.script = [api_error(status, "nope")]
    slept: list[float] = []
    with pytest.raises(error) as raised:
        client(chat, slept).complete_json("s", "u")
    assert len(chat.server.requests) == 1 and slept == []
    assert KEY not in str(raised.value)


def test_a_429_with_retry_after_waits_that_long(chat):
    chat.script = [Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "12"})]
    slept: list[float] = []
    client(chat, slept).complete_json("s", "u")
    assert slept == [12.0]


def test_gives_up_after_its_attempts(chat):
    chat.script = [api_error(503, "Server overloaded", "server_error")] * 10
    with pytest.raises(TransientApiError):
        client(chat, []).complete_json("s", "u")
    assert len(chat.server.requests) == 4


def test_rate_limit_errors_are_rate_limit_errors(chat):
    chat.script = [Reply(429, {"error": {"message": "x"}}, {"Retry-After": "9999"})]
    with pytest.raises(RateLimitedError):
        client(chat, []).complete_json("s", "u")


@pytest.mark.parametrize(
    ("prompt", "completion_tokens", "expected"),
    [(1_000_000, 0, 0.28), (0, 1_000_000, 0.42), (420, 180, 0.0001932)],
)
def test_cost_from_prices_per_million_tokens(prompt, completion_tokens, expected):
    assert Prices(0.28, 0.42).cost_usd(prompt, completion_tokens) == pytest.approx(expected)
