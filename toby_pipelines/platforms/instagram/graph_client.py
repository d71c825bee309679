"""The Graph API transport: one brand's token, explicit timeouts, retries, rate-limit pacing and
pagination. Endpoint knowledge lives in `insights.py`, `media.py` and `publishing.py`.

The token travels in the Authorization header, never in a URL: httpx logs URLs, and `paging.next`
links come back with `access_token=` in them, which is stripped before they are followed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from toby_pipelines.platforms.api_errors import ApiError, RateLimitedError, TransientApiError
from toby_pipelines.platforms.circuit import CircuitBreaker
from toby_pipelines.platforms.http_json import exchange, json_object
from toby_pipelines.platforms.instagram.graph_errors import SERVICE, graph_error, usage_percent
from toby_pipelines.platforms.retry import RetryPolicy, Sleep, with_retries

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"
# Above this share of any rate-limit budget, pause before every call (Meta throttles at 100%).
SLOW_DOWN_ABOVE_PERCENT = 90.0
MAX_PAGES = 100


@dataclass
class GraphClient:
    access_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(20.0, connect=5.0))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    slow_down_seconds: float = 30.0
    sleep: Sleep = time.sleep
    transport: httpx.BaseTransport | None = None
    rng: random.Random = field(default_factory=random.Random)
    last_usage_percent: float = 0.0
    circuit: CircuitBreaker | None = None  # shared by every brand's client of the platform

    def __post_init__(self) -> None:
        if not self.access_token:
            raise ValueError("access_token is empty: set the brand's token environment variable")
        self._http = httpx.Client(
            base_url=f"{self.base_url.rstrip('/')}/{self.api_version}/",
            timeout=self.timeout,
            transport=self.transport,
            headers={"Authorization": f"Bearer {self.access_token}"},
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return with_retries(
            lambda: self._send("GET", path, params), self.retry, self.sleep, self.rng
        )

    def post(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Retried: creating a container is safe to repeat (an unused container expires).
        `media_publish` goes through `post_once` instead."""
        return with_retries(
            lambda: self._send("POST", path, params), self.retry, self.sleep, self.rng
        )

    def post_once(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A POST that is not repeated on failure: `media_publish`, whose answer may be lost
        after the media went live. The caller resolves a failure by looking at the container."""
        return self._send("POST", path, params)

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict]:
        """Every item of a paged edge, following `paging.next` until it is absent."""
        page = self.get(path, params)
        for _ in range(MAX_PAGES):
            yield from page.get("data", [])
            next_url = (page.get("paging") or {}).get("next")
            if not next_url:
                return
            page = self.get(_without_token(next_url))
        raise TransientApiError(SERVICE, f"{path}: more than {MAX_PAGES} pages")

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        if self.circuit is None:
            return self._exchange(method, path, params)
        return self.circuit.call(lambda: self._exchange(method, path, params))

    def _exchange(self, method: str, path: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        if self.last_usage_percent > SLOW_DOWN_ABOVE_PERCENT:
            self.sleep(self.slow_down_seconds)
        # params=None, not {}: an empty mapping would wipe the query of a paging.next URL.
        shown = _shown(path)
        response, body = exchange(
            self._http, SERVICE, method, path, params=dict(params) if params else None
        )
        self.last_usage_percent = usage_percent(response.headers)
        if response.is_success:
            return json_object(SERVICE, method, shown, response, body)
        error: ApiError = graph_error(response.status_code, body, response.headers)
        if isinstance(error, RateLimitedError):
            self.last_usage_percent = 0.0  # waiting out the throttle is the slowing down
        raise error


def _without_token(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "access_token"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _shown(path: str) -> str:
    return _without_token(path).split("?")[0]
