"""Discovery through the Graph API (seed 000 section 5.7): top posts of a hashtag and the
public posts of a competitor's business account. Both are asked on behalf of one of the brand's
own accounts (`ig_user_id`), with that brand's token."""

from __future__ import annotations

from toby_pipelines.discovery.found_media import FoundMedia
from toby_pipelines.platforms.api_errors import TransientApiError
from toby_pipelines.platforms.instagram.graph_client import GraphClient
from toby_pipelines.platforms.instagram.graph_errors import SERVICE

FOUND_FIELDS = "id,caption,media_type,like_count,comments_count,permalink,timestamp"
TOP_MEDIA_LIMIT = 25


def hashtag_top_media(client: GraphClient, ig_user_id: str, hashtag: str) -> list[FoundMedia]:
    """The hashtag's top media (Instagram allows 30 distinct hashtags a week per account)."""
    body = client.get("ig_hashtag_search", {"user_id": ig_user_id, "q": hashtag.lstrip("#")})
    found = body.get("data") or []
    if not found or "id" not in found[0]:
        return []
    top = client.get(
        f"{found[0]['id']}/top_media",
        {"user_id": ig_user_id, "fields": FOUND_FIELDS, "limit": TOP_MEDIA_LIMIT},
    )
    return [
        _found(item) for item in top.get("data") or [] if isinstance(item, dict) and "id" in item
    ]


def competitor_media(client: GraphClient, ig_user_id: str, username: str) -> list[FoundMedia]:
    """A business or creator account's recent public media (business_discovery)."""
    name = username.lstrip("@")
    fields = f"business_discovery.username({name}){{followers_count,media_count,media{{{FOUND_FIELDS}}}}}"
    body = client.get(ig_user_id, {"fields": fields})
    discovery = body.get("business_discovery")
    if not isinstance(discovery, dict):
        raise TransientApiError(SERVICE, f"business_discovery of @{name}: no answer")
    media = (discovery.get("media") or {}).get("data") or []
    return [_found(item) for item in media if isinstance(item, dict) and "id" in item]


def _found(item: dict) -> FoundMedia:
    def count(key: str) -> int | None:
        value = item.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return FoundMedia(
        media_id=str(item["id"]),
        caption=item.get("caption"),
        media_type=item.get("media_type"),
        like_count=count("like_count"),
        comments_count=count("comments_count"),
        permalink=item.get("permalink"),
        timestamp=item.get("timestamp"),
    )
