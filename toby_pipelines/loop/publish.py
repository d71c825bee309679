"""Publish the posts whose slot has come, each exactly once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from toby_pipelines.loop.reauthorization import flag_account_blocked
from toby_pipelines.platforms.api_errors import (
    AccountBlockedError,
    ApiError,
    RateLimitedError,
    TransientApiError,
)
from toby_pipelines.platforms.base import Platform, PublishRequest
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.brands import update_followers
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.platform_state import note_publish_error
from toby_pipelines.storage.posts import (
    claim_for_publishing,
    due_posts,
    mark_failed,
    mark_published,
)

DEFAULT_BATCH = 200


@dataclass
class PublishSummary:
    published: list[tuple[str, str]] = field(default_factory=list)  # (post_id, media_id)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (post_id, error)
    retrying: list[tuple[str, str]] = field(default_factory=list)  # (post_id, error), next tick


def publish_due(
    database: Database, platform: Platform, now: dt.datetime, limit: int = DEFAULT_BATCH
) -> PublishSummary:
    """Publish due posts. A post is claimed ('publishing') before the platform call and the
    platform dedupes by post id, so a retry after a crash finishes the post instead of
    publishing it again."""
    summary = PublishSummary()
    with database.engine.connect() as connection:
        posts = due_posts(connection, now, limit)
    handles: dict[str, str] = {}  # account handle -> brand
    for post in posts:
        with database.transaction() as connection:
            if not claim_for_publishing(connection, post.id, now):
                continue
        request = PublishRequest(
            post_id=post.id,
            user_id=post.user_id,
            brand_id=post.brand_id,
            platform=post.platform,
            account_handle=post.account_handle,
            content_type=post.content_type,
            title=post.title,
            caption=post.caption,
            options=post.options,
        )
        try:
            media_id = platform.publish(request, now)
        except (TransientApiError, RateLimitedError) as error:
            # Still claimed: the next tick resumes it (an Instagram container is carried on).
            with database.transaction() as connection:
                note_publish_error(connection, post.id, str(error), now)
            summary.retrying.append((post.id, str(error)))
            continue
        except Exception as error:  # the platform's failure is recorded on the post, not lost
            with database.transaction() as connection:
                mark_failed(connection, post.id, f"{type(error).__name__}: {error}", now)
                if isinstance(error, AccountBlockedError):
                    flag_account_blocked(
                        connection, post.user_id, post.brand_id, post.platform, error, now
                    )
                log_activity(
                    connection,
                    user_id=post.user_id,
                    action_type="error",
                    description=f"Publishing {post.content_type} '{post.title}' failed: {type(error).__name__}",
                    dedupe_key=f"publish-failed:{post.id}",
                    now=now,
                    level="error",
                )
            summary.failed.append((post.id, str(error)))
            continue
        with database.transaction() as connection:
            if mark_published(connection, post.id, media_id, now):
                log_activity(
                    connection,
                    user_id=post.user_id,
                    action_type="published",
                    description=f"Published {post.content_type} to @{post.account_handle}: {post.title}",
                    dedupe_key=f"published:{post.id}",
                    now=now,
                    level="success",
                    metadata={"post_id": post.id, "media_id": media_id},
                )
                summary.published.append((post.id, media_id))
                handles[post.account_handle] = post.brand_id
    counts: dict[str, int] = {}
    for handle, brand_id in sorted(handles.items()):
        try:
            counts[handle] = platform.followers(handle, now, brand_id=brand_id)
        except ApiError:
            continue  # a follower count is a nicety here; measuring reads it again
    if counts:
        with database.transaction() as connection:
            update_followers(connection, counts, now)
    return summary
