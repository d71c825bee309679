"""An account's media and follower count."""

from __future__ import annotations

from dataclasses import dataclass

from toby_pipelines.platforms.api_errors import TransientApiError
from toby_pipelines.platforms.instagram.graph_client import GraphClient
from toby_pipelines.platforms.instagram.graph_errors import SERVICE

MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count"
)


@dataclass(frozen=True)
class MediaItem:
    id: str
    caption: str | None
    media_type: str | None
    media_product_type: str | None
    timestamp: str | None
    permalink: str | None
    like_count: int | None
    comments_count: int | None


@dataclass(frozen=True)
class AccountInfo:
    followers_count: int
    media_count: int | None


def account_media(client: GraphClient, ig_user_id: str, page_size: int = 50) -> list[MediaItem]:
    """Every media item of the account, newest first, across all pages."""
    return [
        MediaItem(
            id=str(item["id"]),
            caption=item.get("caption"),
            media_type=item.get("media_type"),
            media_product_type=item.get("media_product_type"),
            timestamp=item.get("timestamp"),
            permalink=item.get("permalink"),
            like_count=item.get("like_count"),
            comments_count=item.get("comments_count"),
        )
        for item in client.pages(
            f"{ig_user_id}/media", {"fields": MEDIA_FIELDS, "limit": page_size}
        )
        if isinstance(item, dict) and "id" in item
    ]


def account_info(client: GraphClient, ig_user_id: str) -> AccountInfo:
    body = client.get(ig_user_id, {"fields": "followers_count,media_count"})
    followers = body.get("followers_count")
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        raise TransientApiError(
            SERVICE, f"account {ig_user_id}: followers_count is not a count: {followers!r}"
        )
    media_count = body.get("media_count")
    return AccountInfo(followers, media_count if isinstance(media_count, int) else None)
