"""An OpenAI-compatible chat-completions client (DeepSeek by default) that returns JSON.

Base URL, model and prices are configuration: model ids change (DeepSeek retired
`deepseek-chat`). Requests ask for `response_format: {"type": "json_object"}`; a blank or
non-JSON reply is retried like any transient fault. 400, 401, 402 and 422 are never retried (the
same request cannot succeed); 429, 500, 502, 503, 504, timeouts and dropped connections are,
with jittered backoff (a 429 with Retry-After waits that long). The API key goes in the Authorization header and in no message.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from toby_pipelines.platforms.api_errors import (
    PermanentApiError,
    RateLimitedError,
    TokenExpiredError,
    TransientApiError,
)
from toby_pipelines.platforms.http_json import exchange
from toby_pipelines.platforms.retry import RetryPolicy, Sleep, with_retries

SERVICE = "llm"
DEFAULT_BASE_URL = "https://api.deepseek.com"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Prices:
    """US dollars per million tokens."""

    input_per_million: float
    output_per_million: float

    def __post_init__(self) -> None:
        for name in ("input_per_million", "output_per_million"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"{name} must be non-negative, got {value}")

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million
        ) / 1_000_000


@dataclass(frozen=True)
class ChatReply:
    content: dict[str, Any]
    model: str
    prompt_tokens: int
    completion_tokens: int
    attempts: int


@dataclass
class ChatClient:
    api_key: str = field(repr=False)
    model: str
    base_url: str = DEFAULT_BASE_URL
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(60.0, connect=5.0))
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(
            attempts=4, base_delay_seconds=2.0, max_delay_seconds=30.0
        )
    )
    sleep: Sleep = time.sleep
    transport: httpx.BaseTransport | None = None
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("api_key is empty: set TOBY_LLM_API_KEY")
        if not self.model:
            raise ValueError("model is empty: set TOBY_LLM_MODEL to a current model id")
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/") + "/",
            timeout=self.timeout,
            transport=self.transport,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        self._attempts = 0

    def close(self) -> None:
        self._http.close()

    def complete_json(
        self, system: str, user: str, temperature: float = 0.9, max_tokens: int = 1200
    ) -> ChatReply:
        """The model's JSON object for the prompt (the prompt must show the shape)."""
        payload = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "response_format": {"type": "json_object"},
            "temperature": temperature,
            "max_tokens": max_tokens,
            "stream": False,
        }
        self._attempts = 0
        reply = with_retries(lambda: self._send(payload), self.retry, self.sleep, self.rng)
        return reply

    def _send(self, payload: dict[str, Any]) -> ChatReply:
        self._attempts += 1
        response, body = exchange(self._http, SERVICE, "POST", "chat/completions", json=payload)
        if response.status_code != 200:
            raise _error(response, body)
        try:
            message = body["choices"][0]["message"]
            content = message.get("content") or ""
            usage = body.get("usage") or {}
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise TransientApiError(
                SERVICE, "malformed or truncated completion", status=200
            ) from error
        if not content.strip():
            raise TransientApiError(SERVICE, "blank completion")
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError as error:
            raise TransientApiError(SERVICE, "the completion is not JSON") from error
        if not isinstance(parsed, dict):
            raise TransientApiError(SERVICE, "the completion is not a JSON object")
        return ChatReply(
            parsed,
            str(body.get("model") or payload["model"]),
            int(usage.get("prompt_tokens") or 0),
            int(usage.get("completion_tokens") or 0),
            self._attempts,
        )


def _error(response: httpx.Response, body: Any) -> Exception:
    status = response.status_code
    error = body.get("error") if isinstance(body, dict) else None
    detail = str(error.get("message", "")) if isinstance(error, dict) else ""
    message = detail or response.reason_phrase or "request failed"
    retry_after = response.headers.get("retry-after", "").strip()
    if status == 429 and retry_after.isdigit():
        return RateLimitedError(SERVICE, message, float(retry_after), status=status)
    if status in RETRYABLE_STATUS:
        return TransientApiError(SERVICE, message, status=status)
    if status == 401:
        return TokenExpiredError(SERVICE, "the API key was rejected", status=status)
    return PermanentApiError(SERVICE, message, status=status)
