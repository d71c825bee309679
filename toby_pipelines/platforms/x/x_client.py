"""The X API v2 transport: one brand's bearer token, explicit timeouts, retries and the
x-rate-limit-* headers.

A 429 waits until `x-rate-limit-reset` (epoch seconds); a response that leaves
`x-rate-limit-remaining` at 0 makes the next call wait for the reset too. 5xx, timeouts and
malformed bodies retry with backoff; 401 is a rejected token; other 4xx are permanent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from toby_pipelines.platforms.api_errors import (
    ApiError,
    PermanentApiError,
    RateLimitedError,
    TokenExpiredError,
    TransientApiError,
)
from toby_pipelines.platforms.circuit import CircuitBreaker
from toby_pipelines.platforms.http_json import exchange, json_object
from toby_pipelines.platforms.retry import RetryPolicy, Sleep, with_retries

SERVICE = "x"
DEFAULT_BASE_URL = "https://api.x.com"
DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60.0


@dataclass
class XClient:
    bearer_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(20.0, connect=5.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Sleep = time.sleep
    clock: Callable[[], float] = time.time
    transport: httpx.BaseTransport | None = None
    rng: random.Random = field(default_factory=random.Random)
    _reset_at: float | None = None
    circuit: CircuitBreaker | None = None  # shared by every brand's client of the platform

    def __post_init__(self) -> None:
        if not self.bearer_token:
            raise ValueError("bearer_token is empty: set the brand's X token environment variable")
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/") + "/",
            timeout=self.timeout,
            transport=self.transport,
            headers={"Authorization": f"Bearer {self.bearer_token}"},
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return with_retries(
            lambda: self._send("GET", path, params=params), self.retry, self.sleep, self.rng
        )

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return with_retries(
            lambda: self._send("POST", path, json_body=body), self.retry, self.sleep, self.rng
        )

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        if self.circuit is None:
            return self._exchange(method, path, params, json_body)
        return self.circuit.call(lambda: self._exchange(method, path, params, json_body))

    def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        if self._reset_at is not None:
            wait = self._reset_at - self.clock()
            self._reset_at = None
            if wait > 0:
                self.sleep(min(wait, self.retry.max_rate_limit_wait_seconds))
        response, body = exchange(
            self._http,
            SERVICE,
            method,
            path,
            params=dict(params) if params else None,
            json=json_body,
        )
        reset = _reset(response.headers)
        if response.headers.get("x-rate-limit-remaining") == "0" and reset is not None:
            self._reset_at = reset
        if response.is_success:
            return json_object(SERVICE, method, path, response, body)
        raise self._error(response.status_code, body, reset)

    def _error(self, status: int, body: Any, reset: float | None) -> ApiError:
        detail = ""
        if isinstance(body, dict):
            detail = str(body.get("detail") or body.get("title") or "")
        message = detail or f"HTTP {status}"
        if status == 429:
            wait = reset - self.clock() if reset is not None else DEFAULT_RATE_LIMIT_WAIT_SECONDS
            self._reset_at = None
            return RateLimitedError(SERVICE, message, max(wait, 1.0), status=status)
        if status == 401:
            return TokenExpiredError(SERVICE, "the access token was rejected", status=status)
        if status >= 500:
            return TransientApiError(SERVICE, message, status=status)
        return PermanentApiError(SERVICE, message, status=status)


def _reset(headers: Mapping[str, str]) -> float | None:
    value = headers.get("x-rate-limit-reset", "")
    return float(value) if value.strip().isdigit() else None
