"""Publishing through media containers: create, wait until FINISHED, publish.

A container expires 24 hours after it is made, so Toby makes it close to the slot. Its
`status_code` is one of IN_PROGRESS, FINISHED, ERROR, EXPIRED or PUBLISHED, and for ERROR its
`status` names the reason. Polling is about once a minute for at most 5 minutes.

Exactly once: a retry looks at the post's existing container before anything else, and
`media_publish` is never repeated blindly. When its answer is lost (a timeout, a dropped
connection, a refusal because it is already published), the container's status decides: a
PUBLISHED container's media is found among the account's media by the time it was published,
its product type and that no other post of ours holds it; its caption only breaks a tie.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from toby_pipelines.platforms.api_errors import (
    AccountBlockedError,
    ApiError,
    PermanentApiError,
    QuotaReachedError,
    TransientApiError,
)
from toby_pipelines.platforms.instagram.graph_client import GraphClient
from toby_pipelines.platforms.instagram.graph_errors import QUOTA_WAIT_SECONDS, SERVICE

CONTAINER_STATES = ("IN_PROGRESS", "FINISHED", "ERROR", "EXPIRED", "PUBLISHED")
MAX_CAROUSEL_ITEMS = 10
POLL_INTERVAL_SECONDS = 60.0
POLL_TIMEOUT_SECONDS = 300.0
# Containers one post may use before its failure is taken as permanent.
MAX_CONTAINERS = 3
# Clock skew allowed between Toby and Instagram when matching a published media by its time.
MATCH_SKEW = dt.timedelta(minutes=5)


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

    @property
    def product_type(self) -> str:
        return "REELS" if self.kind == "REELS" else "FEED"


@dataclass(frozen=True)
class PublishState:
    """What an earlier try left: its container, when it was made, how many were made."""

    container_id: str | None = None
    container_created_at: dt.datetime | None = None
    containers_made: int = 0


@dataclass(frozen=True)
class ContainerStatus:
    code: str
    detail: str | None = None  # for ERROR: the reason Instagram gives


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


def container_status(client: GraphClient, container_id: str) -> ContainerStatus:
    body = client.get(container_id, {"fields": "status_code,status"})
    status = body.get("status_code")
    if status not in CONTAINER_STATES:
        raise TransientApiError(SERVICE, f"container {container_id}: unknown status {status!r}")
    detail = body.get("status")
    return ContainerStatus(status, str(detail) if detail else None)


def wait_for_container(
    client: GraphClient,
    container_id: str,
    interval: float = POLL_INTERVAL_SECONDS,
    timeout: float = POLL_TIMEOUT_SECONDS,
) -> ContainerStatus:
    """The container's status once it has left IN_PROGRESS; ContainerNotReady after `timeout`."""
    waited = 0.0
    while True:
        status = container_status(client, container_id)
        if status.code != "IN_PROGRESS":
            return status
        if waited + interval > timeout:
            raise ContainerNotReady(
                SERVICE, f"container {container_id} still IN_PROGRESS after {waited:.0f} s"
            )
        client.sleep(interval)
        waited += interval


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
    state: PublishState,
    remember_container: Callable[[str], None],
    is_ours: Callable[[str], bool],
    now: dt.datetime,
) -> str:
    """Publish `media` once and return its media id.

    The earlier try's container is looked at first: PUBLISHED means only the media id is
    missing; FINISHED or IN_PROGRESS carry on with it; ERROR or EXPIRED make a new one, at most
    MAX_CONTAINERS in all, after which the post fails with Instagram's reason. A new container's
    id is handed to `remember_container` before anything else happens, so a crash after this
    point resumes rather than repeats. `is_ours(media_id)` says whether another post already
    holds a media id."""
    container_id, made_at, made = (
        state.container_id,
        state.container_created_at,
        state.containers_made,
    )
    status = container_status(client, container_id) if container_id else None
    if status is not None and status.code == "PUBLISHED":
        return _published_media_id(client, ig_user_id, media, container_id, made_at, is_ours, now)
    if status is None or status.code in ("ERROR", "EXPIRED"):
        if status is not None and made >= MAX_CONTAINERS:
            raise PermanentApiError(SERVICE, _ended(container_id, status, made))
        usage, total = publishing_quota(client, ig_user_id)
        if total is not None and usage >= total:
            raise QuotaReachedError(
                SERVICE,
                f"account {ig_user_id} used its {total} posts of the last 24 hours; waiting",
                QUOTA_WAIT_SECONDS,
            )
        container_id, made_at = create_container(client, ig_user_id, media), now
        remember_container(container_id)
        made += 1
    assert container_id is not None
    status = wait_for_container(client, container_id)
    if status.code == "PUBLISHED":
        return _published_media_id(client, ig_user_id, media, container_id, made_at, is_ours, now)
    if status.code != "FINISHED":
        if made >= MAX_CONTAINERS:
            raise PermanentApiError(SERVICE, _ended(container_id, status, made))
        raise TransientApiError(SERVICE, _ended(container_id, status, made) + "; a new one next")
    try:
        return _id(
            client.post_once(f"{ig_user_id}/media_publish", {"creation_id": container_id}),
            "published media",
        )
    except AccountBlockedError:
        raise
    except ApiError:
        # The answer may be lost although the media went live: the container knows.
        if container_status(client, container_id).code == "PUBLISHED":
            return _published_media_id(
                client, ig_user_id, media, container_id, made_at, is_ours, now
            )
        raise


def _ended(container_id: str | None, status: ContainerStatus, made: int) -> str:
    reason = f": {status.detail}" if status.detail else ""
    return f"container {container_id} ended {status.code}{reason} ({made} container(s) made)"


def _published_media_id(
    client: GraphClient,
    ig_user_id: str,
    media: MediaToPublish,
    container_id: str | None,
    made_at: dt.datetime | None,
    is_ours: Callable[[str], bool],
    now: dt.datetime,
) -> str:
    """The media a PUBLISHED container became: on the account, of the same product type,
    published after the container was made, held by no other post; the caption breaks a tie,
    else the earliest such media is the one (later ones were published after it)."""
    earliest = (made_at or now - dt.timedelta(days=1)) - MATCH_SKEW
    candidates = []
    # Newest first: the post is on the first pages unless the account posted a lot since.
    for item in client.pages(
        f"{ig_user_id}/media", {"fields": "id,caption,media_product_type,timestamp", "limit": 50}
    ):
        if not isinstance(item, dict) or "id" not in item:
            continue
        published = _timestamp(item.get("timestamp"))
        if published is not None and published < earliest:
            break
        if item.get("media_product_type") not in (None, media.product_type):
            continue
        if not is_ours(str(item["id"])):
            candidates.append((published or now, str(item["id"]), item.get("caption")))
    if not candidates:
        raise TransientApiError(
            SERVICE, f"container {container_id} is PUBLISHED but its media is not listed yet"
        )
    same_caption = [c for c in candidates if _normal(c[2]) == _normal(media.caption)]
    return min(same_caption or candidates)[1]


def _normal(caption: object) -> str:
    return " ".join(str(caption or "").split()).casefold()


def _timestamp(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(dt.UTC)
    except ValueError:
        return None


def _id(body: dict, what: str) -> str:
    value = body.get("id")
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
        raise TransientApiError(SERVICE, f"{what}: the response has no id")
    return str(value)
