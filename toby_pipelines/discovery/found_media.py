"""A post found by discovery: the brand's own, a competitor's, or a hashtag's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FoundMedia:
    media_id: str
    caption: str | None
    media_type: str | None
    like_count: int | None
    comments_count: int | None
    permalink: str | None
    timestamp: str | None
