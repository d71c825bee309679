"""X behind the loop's Platform interface: each brand posts and measures with its own token
(an OAuth 2.0 user access token from the encrypted credential store) on its own account
(platform_accounts.external_id, the X user id). A post's caption is the tweet.

Metrics are looked up in batches of 100: the first tweet asked for in a run fetches every tweet
the brand published in the last 8 days (the loop's longest checkpoint plus a day), and the rest
are answered from that. A tweet X says no longer exists raises MediaGoneError (deleted); one
X did not return for another reason has no metrics (all NULL), not zeros.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from toby_pipelines.platforms.accounts import require_external_id
from toby_pipelines.platforms.api_errors import MediaGoneError
from toby_pipelines.platforms.base import LIVE_CONCURRENT_CALLS, PublishRequest
from toby_pipelines.platforms.brand_clients import BrandClients
from toby_pipelines.platforms.circuit import circuit_for
from toby_pipelines.platforms.retry import RetryPolicy, Sleep
from toby_pipelines.platforms.x.tweets import SnapshotMetrics, followers, lookup_metrics, post_tweet
from toby_pipelines.platforms.x.x_client import DEFAULT_BASE_URL, SERVICE, XClient
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.posts import published_between

PLATFORM = "x"
LOOKBACK = dt.timedelta(days=8)
UNKNOWN: SnapshotMetrics = dict.fromkeys(
    ("views", "reach", "likes", "comments", "saves", "shares", "follows")
)


class XPlatform:
    replays_history = False  # a live platform answers only for now
    concurrent_calls = LIVE_CONCURRENT_CALLS

    def __init__(
        self,
        database: Database,
        token_for: Callable[[str], str],
        base_url: str = DEFAULT_BASE_URL,
        sleep: Sleep = time.sleep,
        timeout_seconds: float = 20.0,
        max_rate_limit_wait_seconds: float = 900.0,
    ) -> None:
        self.database = database
        self.base_url = base_url
        self.token_for = token_for
        self.sleep = sleep
        self.timeout_seconds = timeout_seconds
        self.max_rate_limit_wait_seconds = max_rate_limit_wait_seconds
        self.circuit = circuit_for(database, PLATFORM)
        self._clients = BrandClients(self._make_client)
        self._metrics: dict[str, dict[str, SnapshotMetrics]] = {}
        self._gone: dict[str, set[str]] = {}

    def _make_client(self, brand_id: str) -> XClient:
        return XClient(
            bearer_token=self.token_for(brand_id),
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout_seconds, connect=5.0),
            retry=RetryPolicy(max_rate_limit_wait_seconds=self.max_rate_limit_wait_seconds),
            sleep=self.sleep,
            circuit=self.circuit,
        )

    def client(self, brand_id: str) -> XClient:
        return self._clients.get(brand_id)

    def close(self) -> None:
        self._clients.close()

    def user_id(self, brand_id: str) -> str:
        return require_external_id(self.database, brand_id, PLATFORM)

    def publish(self, request: PublishRequest, now: dt.datetime) -> str:
        return post_tweet(
            self.client(request.brand_id), self.user_id(request.brand_id), request.caption
        )

    def fetch_metrics(
        self,
        media_id: str,
        as_of: dt.datetime,
        *,
        brand_id: str,
        content_type: str,
        platform: str = "",
    ) -> Mapping[str, Any]:
        known = self._metrics.get(brand_id)
        if known is None or media_id not in known:
            known, gone = self._recent_metrics(brand_id, media_id, as_of)
            self._metrics[brand_id], self._gone[brand_id] = known, gone
        if media_id in self._gone.get(brand_id, set()):
            raise MediaGoneError(SERVICE, f"tweet {media_id} no longer exists")
        return known.get(media_id, UNKNOWN)

    def followers(
        self, account_handle: str, as_of: dt.datetime, *, brand_id: str, platform: str = ""
    ) -> int:
        return followers(self.client(brand_id), self.user_id(brand_id))

    def _recent_metrics(
        self, brand_id: str, media_id: str, as_of: dt.datetime
    ) -> tuple[dict[str, SnapshotMetrics], set[str]]:
        with self.database.engine.connect() as connection:
            posts = published_between(connection, as_of - LOOKBACK, as_of + dt.timedelta(seconds=1))
        ids = [p.media_id for p in posts if p.brand_id == brand_id and p.media_id]
        if media_id not in ids:
            ids.append(media_id)
        return lookup_metrics(self.client(brand_id), ids)
