"""A platform that answers each call in 300 ms, under the limits a real platform sets.

It stands in front of the simulated platform: every publish takes the three calls Instagram's
Graph API needs (create the container, read its status, publish it) and every metrics read and
follower count one call, each 300 ms. The platform bounds concurrency as a real one does: one
call at a time per account and at most `app_limit` calls in flight for the whole app; a caller
over either limit waits (the benchmark counts that wait in the wall time). Only the benchmark
uses it: it measures whether a shared slot's posts go out within five minutes.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import PrivateAttr

from toby_pipelines.platforms.base import LIVE_CONCURRENT_CALLS, PublishRequest
from toby_pipelines.platforms.simulated import SimulatedPlatform
from toby_pipelines.resources.platform import SimulatedPlatformResource

CALL_SECONDS = 0.3
CALLS_PER_PUBLISH = 3  # container, status, media_publish
APP_LIMIT = 64


class LatencyPlatform:
    replays_history = True
    concurrent_calls = LIVE_CONCURRENT_CALLS

    def __init__(
        self,
        inner: SimulatedPlatform,
        call_seconds: float = CALL_SECONDS,
        app_limit: int = APP_LIMIT,
    ) -> None:
        self.inner = inner
        self.call_seconds = call_seconds
        self._app = threading.BoundedSemaphore(app_limit)
        self._accounts: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self.calls = 0
        self.most_in_flight = 0
        self.account_waits = 0  # calls that found their account busy with another call
        self._in_flight = 0

    @contextmanager
    def _call(self, account: str) -> Iterator[None]:
        with self._guard:
            lock = self._accounts[account]
        if not lock.acquire(blocking=False):
            with self._guard:
                self.account_waits += 1
            lock.acquire()
        with self._app:
            with self._guard:
                self.calls += 1
                self._in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self._in_flight)
            try:
                time.sleep(self.call_seconds)
                yield
            finally:
                with self._guard:
                    self._in_flight -= 1
                lock.release()

    def publish(self, request: PublishRequest, now: dt.datetime) -> str:
        for _ in range(CALLS_PER_PUBLISH - 1):
            with self._call(request.account_handle):
                pass
        with self._call(request.account_handle):
            return self.inner.publish(request, now)

    def fetch_metrics(
        self,
        media_id: str,
        as_of: dt.datetime,
        *,
        brand_id: str,
        content_type: str,
        platform: str = "",
    ) -> Mapping[str, Any]:
        with self._call(brand_id):
            return self.inner.fetch_metrics(
                media_id, as_of, brand_id=brand_id, content_type=content_type, platform=platform
            )

    def followers(
        self, account_handle: str, as_of: dt.datetime, *, brand_id: str = "", platform: str = ""
    ) -> int:
        with self._call(account_handle):
            return self.inner.followers(account_handle, as_of, brand_id=brand_id, platform=platform)


class LatencyPlatformResource(SimulatedPlatformResource):
    """The simulated platform behind 300 ms calls and a real platform's concurrency limits."""

    call_seconds: float = CALL_SECONDS
    app_limit: int = APP_LIMIT

    _slow: LatencyPlatform | None = PrivateAttr(default=None)

    def get(self) -> LatencyPlatform:  # type: ignore[override]
        if self._slow is None:
            self._slow = LatencyPlatform(super().get(), self.call_seconds, self.app_limit)
        return self._slow
