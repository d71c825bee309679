"""Instagram behind the loop's Platform interface: each brand publishes and measures with its own
token on its own account, so one brand's token can never publish to another.

Tokens come from the encrypted credential store (`token_for`, see `credentials.store`) when a
brand first needs one in a run, never from Dagster config, metadata or the activity log. A post
is published from the hosted URLs `post_media` recorded in `scheduled_posts.media_urls` (a
reel's video; a carousel's images).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from toby_pipelines.discovery.found_media import FoundMedia
from toby_pipelines.platforms.accounts import require_external_id
from toby_pipelines.platforms.api_errors import PermanentApiError
from toby_pipelines.platforms.base import LIVE_CONCURRENT_CALLS, PublishRequest
from toby_pipelines.platforms.brand_clients import BrandClients
from toby_pipelines.platforms.circuit import circuit_for
from toby_pipelines.platforms.instagram.discovery import competitor_media, hashtag_top_media
from toby_pipelines.platforms.instagram.graph_client import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    GraphClient,
)
from toby_pipelines.platforms.instagram.graph_errors import SERVICE
from toby_pipelines.platforms.instagram.insights import media_insights, snapshot_metrics
from toby_pipelines.platforms.instagram.media import account_info, account_media
from toby_pipelines.platforms.instagram.publishing import (
    MediaToPublish,
    PublishState,
    resume_or_publish,
)
from toby_pipelines.platforms.retry import RetryPolicy, Sleep
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.platform_state import (
    media_id_taken,
    media_to_publish,
    publish_state,
    remember_container,
)

PLATFORM = "instagram"


@dataclass(frozen=True)
class InstagramSettings:
    base_url: str = DEFAULT_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    timeout_seconds: float = 20.0
    max_rate_limit_wait_seconds: float = 300.0
    slow_down_seconds: float = 30.0


class InstagramPlatform:
    replays_history = False  # a live platform answers only for now
    concurrent_calls = LIVE_CONCURRENT_CALLS

    def __init__(
        self,
        database: Database,
        token_for: Callable[[str], str],
        settings: InstagramSettings = InstagramSettings(),
        sleep: Sleep = time.sleep,
    ) -> None:
        self.database = database
        self.settings = settings
        self.token_for = token_for
        self.sleep = sleep
        self.circuit = circuit_for(database, PLATFORM)
        self._clients = BrandClients(self._make_client)

    def _make_client(self, brand_id: str) -> GraphClient:
        return GraphClient(
            access_token=self.token_for(brand_id),
            base_url=self.settings.base_url,
            api_version=self.settings.api_version,
            timeout=httpx.Timeout(self.settings.timeout_seconds, connect=5.0),
            retry=RetryPolicy(
                max_rate_limit_wait_seconds=self.settings.max_rate_limit_wait_seconds
            ),
            slow_down_seconds=self.settings.slow_down_seconds,
            sleep=self.sleep,
            circuit=self.circuit,
        )

    def client(self, brand_id: str) -> GraphClient:
        return self._clients.get(brand_id)

    def close(self) -> None:
        self._clients.close()

    def account_id(self, brand_id: str) -> str:
        return require_external_id(self.database, brand_id, PLATFORM)

    def publish(self, request: PublishRequest, now: dt.datetime) -> str:
        with self.database.engine.connect() as connection:
            urls, container_id = media_to_publish(connection, request.post_id)
            created_at, made = publish_state(connection, request.post_id)
        if not urls:
            raise PermanentApiError(
                SERVICE,
                f"post {request.post_id} has no rendered media (scheduled_posts.media_urls)",
            )
        media = (
            MediaToPublish("REELS", request.caption, video_url=urls[0])
            if request.content_type == "reel"
            else MediaToPublish("CAROUSEL", request.caption, image_urls=tuple(urls))
        )

        def remember(container: str) -> None:
            with self.database.transaction() as connection:
                remember_container(connection, request.post_id, container, now)

        def is_ours(media_id: str) -> bool:
            with self.database.engine.connect() as connection:
                return media_id_taken(connection, media_id, request.post_id)

        return resume_or_publish(
            self.client(request.brand_id),
            self.account_id(request.brand_id),
            media,
            PublishState(container_id, created_at, made),
            remember,
            is_ours,
            now,
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
        product = "REELS" if content_type == "reel" else "FEED"
        return snapshot_metrics(media_insights(self.client(brand_id), media_id, product))

    def followers(
        self, account_handle: str, as_of: dt.datetime, *, brand_id: str, platform: str = ""
    ) -> int:
        return account_info(self.client(brand_id), self.account_id(brand_id)).followers_count

    def discover(self, brand_id: str, kind: str, target: str) -> list[FoundMedia]:
        """One discovery scan for the brand: its own media, a competitor's, or a hashtag's top."""
        client, ig_user_id = self.client(brand_id), self.account_id(brand_id)
        if kind == "own":
            return [
                FoundMedia(m.id, m.caption, m.media_type, m.like_count, m.comments_count,
                           m.permalink, m.timestamp)
                for m in account_media(client, ig_user_id)
            ]  # fmt: skip
        if kind == "competitor":
            return competitor_media(client, ig_user_id, target)
        if kind == "hashtag":
            return hashtag_top_media(client, ig_user_id, target)
        raise ValueError(f"kind must be own, competitor or hashtag, got {kind!r}")
