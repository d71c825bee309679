"""One deployment, many platforms: each brand's posts go to, and are measured on, the platform of
its own account, so one user may have an Instagram brand and an X brand at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from toby_pipelines.discovery.found_media import FoundMedia
from toby_pipelines.platforms.api_errors import PermanentApiError
from toby_pipelines.platforms.base import LIVE_CONCURRENT_CALLS, Platform, PublishRequest


class PlatformRouter:
    replays_history = False  # every platform behind it is live
    concurrent_calls = LIVE_CONCURRENT_CALLS

    def __init__(self, platforms: Mapping[str, Platform]) -> None:
        self.platforms = dict(platforms)

    def _for(self, platform: str) -> Platform:
        if platform not in self.platforms:
            raise PermanentApiError(
                platform or "platform",
                f"platform {platform!r} is not served by this deployment"
                f" (TOBY_PLATFORM serves {sorted(self.platforms)})",
            )
        return self.platforms[platform]

    def publish(self, request: PublishRequest, now: dt.datetime) -> str:
        return self._for(request.platform).publish(request, now)

    def fetch_metrics(
        self,
        media_id: str,
        as_of: dt.datetime,
        *,
        brand_id: str,
        content_type: str,
        platform: str = "",
    ) -> Mapping[str, Any]:
        return self._for(platform).fetch_metrics(
            media_id, as_of, brand_id=brand_id, content_type=content_type, platform=platform
        )

    def followers(
        self, account_handle: str, as_of: dt.datetime, *, brand_id: str, platform: str = ""
    ) -> int:
        return self._for(platform).followers(
            account_handle, as_of, brand_id=brand_id, platform=platform
        )

    @property
    def discovers(self) -> bool:
        return "instagram" in self.platforms

    def discover(self, brand_id: str, kind: str, target: str) -> list[FoundMedia]:
        """Discovery scans run on Instagram (business discovery, hashtag search)."""
        return self._for("instagram").discover(brand_id, kind, target)  # type: ignore[attr-defined]

    def close(self) -> None:
        for platform in self.platforms.values():
            close = getattr(platform, "close", None)
            if close:
                close()
