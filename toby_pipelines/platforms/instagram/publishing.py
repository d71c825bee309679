"""Publishing through media containers: create, wait until FINISHED, publish.

A container expires 24 hours after it is made, so Toby makes it close to the slot. Its status
is one of IN_PROGRESS, FINISHED, ERROR, EXPIRED or PUBLISHED; polling is about once a minute
for at most 5 minutes. A retry looks at an existing container first and takes PUBLISHED as
done, which is what keeps a post from being published twice (see `resume_or_publish`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from toby_pipelines.platforms.api_errors import PermanentApiError, TransientApiError
from toby_pipelines.platforms.instagram.graph_client import GraphClient
from toby_pipelines.platforms.instagram.graph_errors import SERVICE

CONTAINER_STATES = ("IN_PROGRESS", "FINISHED", "ERROR", "EXPIRED", "PUBLISHED")
MAX_CAROUSEL_ITEMS = 10
POLL_INTERVAL_SECONDS = 60.0
POLL_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class MediaToPublish:
    kind: str  # "REELS" | "CAROUSEL"
    caption: str
    video_url: str | None = None
    image_urls: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "REELS" and not self.video_url:
            raise ValueError("a reel needs a video_url")
        if self.kind == "CAROUSEL" and not 2 <= len(self.image_urls) <= MAX_CAROUSEL_ITEMS:
            raise ValueError(
                f"a carousel needs 2 to {MAX_CAROUSEL_ITEMS} image_urls, got {len(self.image_urls)}"
            )
        if self.kind not in ("REELS", "CAROUSEL"):
            raise ValueError(f"kind must be REELS or CAROUSEL, got {self.kind!r}")


class ContainerNotReady(TransientApiError):
    """Still IN_PROGRESS after the polling window: the next try looks at the same container."""


def create_container(client: GraphClient, ig_user_id: str, media: MediaToPublish) -> str:
    if media.kind == "REELS":
        params = {"media_type": "REELS", "video_url": media.video_url, "caption": media.caption}
        return _id(client.post(f"{ig_user_id}/media", params), "container")
    children = [
        _id(
            client.post(f"{ig_user_id}/media", {"image_url": url, "is_carousel_item": "true"}),
            "carousel item",
        )
        for url in media.image_urls
    ]
    parent = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": media.caption}
    return _id(client.post(f"{ig_user_id}/media", parent), "carousel container")


def container_status(client: GraphClient, container_id: str) -> str:
    status = client.get(container_id, {"fields": "status_code"}).get("status_code")
    if status not in CONTAINER_STATES:
        raise TransientApiError(SERVICE, f"container {container_id}: unknown status {status!r}")
    return status


def wait_for_container(
    client: GraphClient,
    container_id: str,
    interval: float = POLL_INTERVAL_SECONDS,
    timeout: float = POLL_TIMEOUT_SECONDS,
) -> str:
    """The container's status once it has left IN_PROGRESS; ContainerNotReady after `timeout`."""
    waited = 0.0
    while True:
        status = container_status(client, container_id)
        if status != "IN_PROGRESS":
            return status
        if waited + interval > timeout:
            raise ContainerNotReady(
                SERVICE, f"container {container_id} still IN_PROGRESS after {waited:.0f} s"
            )
        client.sleep(interval)
        waited += interval


def publish_container(client: GraphClient, ig_user_id: str, container_id: str) -> str:
    body = client.post(f"{ig_user_id}/media_publish", {"creation_id": container_id})
    return _id(body, "published media")


def publishing_quota(client: GraphClient, ig_user_id: str) -> tuple[int, int | None]:
    """(posts published in the last 24 hours, the account's daily limit)."""
    body = client.get(f"{ig_user_id}/content_publishing_limit", {"fields": "config,quota_usage"})
    entry = (body.get("data") or [{}])[0]
    config = entry.get("config") or {}
    usage = entry.get("quota_usage")
    if not isinstance(usage, int):
        raise TransientApiError(SERVICE, f"publishing limit of {ig_user_id}: no quota_usage")
    total = config.get("quota_total")
    return usage, total if isinstance(total, int) else None


def resume_or_publish(
    client: GraphClient,
    ig_user_id: str,
    media: MediaToPublish,
    container_id: str | None,
    remember_container: Callable[[str], None],
) -> str:
    """Publish `media` once and return its media id.

    `container_id` is the container an earlier try made (None on the first try). It is looked at
    first: PUBLISHED means an earlier try got as far as publishing and only the media id is
    missing, so it is found among the account's media by caption instead of publishing again;
    FINISHED or IN_PROGRESS carry on with it; ERROR or EXPIRED make a new one. A new
    container's id is handed to `remember_container` before anything else happens, so a crash
    after this point resumes rather than repeats."""
    status = container_status(client, container_id) if container_id else None
    if status == "PUBLISHED":
        assert container_id is not None
        return _published_media_id(client, ig_user_id, media, container_id)
    if status in (None, "ERROR", "EXPIRED"):
        usage, total = publishing_quota(client, ig_user_id)
        if total is not None and usage >= total:
            raise PermanentApiError(
                SERVICE, f"account {ig_user_id} used its {total} posts for the last 24 hours"
            )
        container_id = create_container(client, ig_user_id, media)
        remember_container(container_id)
    assert container_id is not None
    status = wait_for_container(client, container_id)
    if status == "PUBLISHED":
        return _published_media_id(client, ig_user_id, media, container_id)
    if status != "FINISHED":
        raise TransientApiError(
            SERVICE, f"container {container_id} ended {status}; a new one is made on retry"
        )
    return publish_container(client, ig_user_id, container_id)


def _published_media_id(
    client: GraphClient, ig_user_id: str, media: MediaToPublish, container_id: str
) -> str:
    # Newest first: the post is on the first page unless the account posted a lot since.
    for item in client.pages(f"{ig_user_id}/media", {"fields": "id,caption", "limit": 50}):
        if isinstance(item, dict) and item.get("caption") == media.caption:
            return str(item["id"])
    raise TransientApiError(
        SERVICE, f"container {container_id} is PUBLISHED but its media is not listed yet"
    )


def _id(body: dict, what: str) -> str:
    value = body.get("id")
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
        raise TransientApiError(SERVICE, f"{what}: the response has no id")
    return str(value)
