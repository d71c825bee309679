"""Publish the posts whose slot has come, each exactly once.

A post is published under a lease: one run claims it until the lease ends, no other run can take
it meanwhile, and the successor of a run that crashed takes it over once the lease has passed
(Instagram's container is resumed, never made twice). At most one tick runs at a time (the
`toby/tick` run concurrency limit in dagster.yaml); the lease is what holds even when that limit
is not configured. Every failure costs only its post: a transient fault, a throttle or a spent
publishing quota releases the post to be tried again later; a rejected token, a revoked
permission or a restricted account flags the brand; anything else fails the post with its
reason, scrubbed of secrets.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from toby_pipelines.loop.accounts_in_parallel import by_account, concurrency_of, for_each_account
from toby_pipelines.loop.isolation import describe
from toby_pipelines.loop.reauthorization import flag_account_blocked
from toby_pipelines.platforms.api_errors import (
    AccountBlockedError,
    PermanentApiError,
    RateLimitedError,
    TransientApiError,
)
from toby_pipelines.platforms.base import Platform, PublishRequest
from toby_pipelines.platforms.caption_limits import caption_problems
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.capture_failures import retry_delay
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.posts import (
    claim_for_publishing,
    due_posts,
    mark_failed,
    mark_published,
    overdue_posts,
    publish_attempts,
    release_for_retry,
)
from toby_pipelines.storage.review import settle_reviews
from toby_pipelines.storage.toby_state import toby_settings

DEFAULT_BATCH = 1000
# Pages of due posts one tick works through: a shared slot of many brands is cleared in one
# tick instead of a page every 5 minutes.
MAX_PAGES = 50
# Longer than the slowest publish (5 minutes of container polls plus throttle waits): a live
# lease is never taken over, an expired one means its run is gone.
LEASE = dt.timedelta(minutes=20)
# A post whose slot passed longer ago than this is not published late but skipped, and logged:
# after Toby was stopped for a night, opening it again must not post a day's content at once.
PUBLISH_GRACE = dt.timedelta(hours=2)
# A transient publishing fault is tried again a minute later, doubling, at most 24 minutes.
PUBLISH_FIRST_RETRY = dt.timedelta(minutes=1)
PUBLISH_LONGEST_RETRY = dt.timedelta(minutes=24)


@dataclass
class PublishSummary:
    published: list[tuple[str, str]] = field(default_factory=list)  # (post_id, media_id)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (post_id, error)
    retrying: list[tuple[str, str]] = field(default_factory=list)  # (post_id, error), later
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (post_id, why), overdue
    reviewed_at_deadline: list[tuple[str, str]] = field(default_factory=list)  # (post_id, what)
    # What a person reads for each post handled: (brand handle, content type, title).
    described: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def publish_due(
    database: Database,
    platform: Platform,
    now: dt.datetime,
    limit: int = DEFAULT_BATCH,
    owner: str | None = None,
    grace: dt.timedelta = PUBLISH_GRACE,
) -> PublishSummary:
    """Publish due posts under leases held by `owner` (this run); skip those more than `grace`
    overdue."""
    owner = owner or f"run-{uuid.uuid4()}"
    summary = PublishSummary()
    with database.engine.connect() as connection:
        # The auto_publish flag off (spec 11.4): the user's posts wait; never published late.
        held = [s.user_id for s in toby_settings(connection) if not s.allows("auto_publish")]
    with database.transaction() as connection:
        # Review mode: waiting posts whose deadline came are skipped or let through.
        summary.reviewed_at_deadline.extend(settle_reviews(connection, now))
    skip_overdue(database, now, summary, grace, held)
    for _ in range(MAX_PAGES):
        with database.engine.connect() as connection:
            posts = due_posts(connection, now, limit, held)
        if not posts:
            break
        _publish_page(database, platform, posts, now, owner, summary)
        if len(posts) < limit:
            break
    return summary


def _publish_page(database, platform, posts, now, owner, summary) -> None:
    """Publish one page of due posts; each one claimed, published and settled on its own (a
    post handled here leaves the due list, so the next page holds only new ones). Accounts go
    in parallel as far as the platform takes calls at once, each account's posts in order."""
    for_each_account(
        by_account(posts, lambda post: (post.platform, post.account_handle)),
        lambda post: _publish_one(database, platform, post, now, owner, summary),
        concurrency_of(platform),
    )


def _publish_one(database, platform, post, now, owner, summary) -> None:
    summary.described[post.id] = (post.account_handle, post.content_type, post.title)
    with database.transaction() as connection:
        if not claim_for_publishing(connection, post.id, owner, now, LEASE):
            return
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
        problems = caption_problems(post.platform, post.caption)
        if problems:
            raise PermanentApiError(post.platform, "; ".join(problems))
        media_id = platform.publish(request, now)
    except (TransientApiError, RateLimitedError) as error:
        _retry_later(database, post.id, owner, error, now, summary)
        return
    except Exception as error:  # the platform's failure is recorded on the post, not lost
        _fail(database, post, error, now, summary)
        return
    with database.transaction() as connection:
        if mark_published(connection, post.id, media_id, now, owner):
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


def _retry_later(database, post_id, owner, error, now, summary) -> None:
    # Still 'publishing' (an Instagram container is carried on), tried again when it is due:
    # a throttle or a spent quota says when, a transient fault backs off.
    with database.transaction() as connection:
        attempts = publish_attempts(connection, post_id) + 1
        wait = (
            dt.timedelta(seconds=error.wait_seconds)
            if isinstance(error, RateLimitedError)
            else retry_delay(attempts, PUBLISH_FIRST_RETRY, PUBLISH_LONGEST_RETRY)
        )
        release_for_retry(connection, post_id, owner, str(error), now + wait, now)
    summary.retrying.append((post_id, str(error)))


def _fail(database, post, error, now, summary) -> None:
    reason = describe(error)
    with database.transaction() as connection:
        mark_failed(connection, post.id, reason, now)
        if isinstance(error, AccountBlockedError):
            flag_account_blocked(connection, post.user_id, post.brand_id, post.platform, error, now)
        log_activity(
            connection,
            user_id=post.user_id,
            action_type="error",
            description=f"Publishing {post.content_type} '{post.title}' failed: {reason}",
            dedupe_key=f"publish-failed:{post.id}",
            now=now,
            level="error",
        )
    summary.failed.append((post.id, reason))


def skip_overdue(
    database: Database,
    now: dt.datetime,
    summary: PublishSummary,
    grace: dt.timedelta,
    held: Sequence[str] = (),
) -> None:
    """Mark the posts whose slot passed more than `grace` ago skipped (failed, with the reason),
    each with a warning in its user's activity log."""
    with database.transaction() as connection:
        for post in overdue_posts(connection, now - grace):
            hours = (now - post.slot_at).total_seconds() / 3600
            why = (
                "auto publish is off for this user"
                if post.user_id in held
                else "Toby could not publish it in time"
            )
            reason = (
                f"skipped: its slot ({post.slot_at:%Y-%m-%d %H:%M} UTC) passed {hours:.1f} h"
                f" ago, more than the {_hours(grace)} h grace ({why})"
            )
            mark_failed(connection, post.id, reason, now)
            log_activity(
                connection,
                user_id=post.user_id,
                action_type="post_skipped",
                description=f"{post.content_type.capitalize()} '{post.title}' {reason}",
                dedupe_key=f"skipped:{post.id}",
                now=now,
                level="warning",
                metadata={"post_id": post.id},
            )
            summary.skipped.append((post.id, reason))


def _hours(span: dt.timedelta) -> str:
    return f"{span.total_seconds() / 3600:g}"
