"""The interface the loop's assets use to publish and to measure, whatever the platform."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# Calls a live platform client keeps in flight at once, whole app (each account one at a time):
# 10,000 posts of three 300 ms calls each go out within five minutes (make bench-scale).
LIVE_CONCURRENT_CALLS = 48


@dataclass(frozen=True)
class PublishRequest:
    post_id: str
    user_id: str
    brand_id: str
    platform: str
    account_handle: str
    content_type: str
    title: str
    caption: str
    options: Mapping[str, str] = field(default_factory=dict)


class Platform(Protocol):
    # True when the platform answers for any past moment (the simulator), so re-capturing a day
    # replays it exactly; False for live platforms, which answer only for now.
    replays_history: bool
    # How many calls the loop may have in flight at once (accounts in parallel); 1 by default.
    concurrent_calls: int

    def publish(self, request: PublishRequest, now: dt.datetime) -> str:
        """Publish and return the platform's media id. Publishing the same post_id again must
        return the same media id and publish nothing new."""

    def fetch_metrics(
        self,
        media_id: str,
        as_of: dt.datetime,
        *,
        brand_id: str,
        content_type: str,
        platform: str = "",
    ) -> Mapping[str, Any]:
        """Cumulative metrics of a media item of `brand_id` under the snapshot's names (views,
        reach, likes, comments, saves, shares, follows), None where the platform has no number.
        A live platform answers for the moment of the call; the simulated one for `as_of`.
        Raises MediaGoneError for a media deleted on the platform."""

    def followers(
        self, account_handle: str, as_of: dt.datetime, *, brand_id: str, platform: str = ""
    ) -> int:
        """The follower count of `brand_id`'s account on `platform`."""
