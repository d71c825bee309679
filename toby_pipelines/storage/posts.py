"""Scheduled posts and the strategy tags Toby attaches to the ones it makes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.buffer.slots import Slot
from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.storage.bulk import insert_new_rows
from toby_pipelines.storage.database import utc
from toby_pipelines.strategy.deletions import DeletedPost
from toby_pipelines.strategy.dimensions import DIMENSIONS
from toby_pipelines.strategy.planning_record import PosteriorVersion
from toby_pipelines.strategy.selection import StrategyChoice

# Brands per statement when reading many brands' rows (bounded statement size).
BRANDS_PER_READ = 1000


@dataclass(frozen=True)
class PublishablePost:
    id: str
    user_id: str
    brand_id: str
    platform: str
    content_type: str
    slot_at: dt.datetime
    status: str
    title: str
    caption: str
    account_handle: str
    options: dict[str, str]


@dataclass(frozen=True)
class PublishedPost:
    id: str
    user_id: str
    brand_id: str
    content_type: str
    media_id: str
    published_at: dt.datetime
    account_handle: str
    platform: str


def post_id_for(slot: Slot) -> str:
    """A post's id follows from its slot, so the same slot can never get two different posts."""
    return f"{slot.brand_id}:{slot.content_type}:{slot.at.strftime('%Y%m%dT%H%MZ')}"


def filled_slots(connection: Connection, start: dt.datetime, end: dt.datetime) -> set[Slot]:
    """The slots in (start, end] that hold a post (a failed one leaves its slot open)."""
    # Slot times are minutes of the day: at 10,000 brands the tick's window holds 160,000 slots
    # and a few dozen distinct times (a few thousand at most). Read as UTC text on PostgreSQL
    # (psycopg2 builds a timezone-aware datetime per row otherwise; to_char, so the server's
    # DateStyle cannot change the form) and each distinct time parsed once.
    at = (
        """to_char(slot_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
        if connection.dialect.name == "postgresql"
        else "slot_at"
    )
    rows = connection.execute(
        sa.text(
            f"SELECT {at}, brand_id, content_type FROM scheduled_posts"
            " WHERE slot_at > :start AND slot_at <= :end AND status <> 'failed'"
        ),
        {"start": start, "end": end},
    )
    times: dict = {}
    slots = set()
    for value, brand_id, content_type in rows:
        when = times.get(value)
        if when is None:
            when = times[value] = utc(value)
        slots.add(Slot(when, brand_id, content_type))
    return slots


def recent_titles(
    connection: Connection, brand_ids: Sequence[str], since: dt.datetime
) -> dict[str, set[str]]:
    """{brand id: the titles of its posts with a slot from `since` on}, for many brands at once.
    Each title once: a template generator's titles repeat (at 1,000 brands 90 days hold 728,000
    posts and 24,000 titles), and an LLM's rarely do."""
    titles: dict[str, set[str]] = {brand_id: set() for brand_id in brand_ids}
    statement = sa.text(
        "SELECT DISTINCT brand_id, title FROM scheduled_posts WHERE brand_id IN :brands"
        " AND slot_at >= :since AND title IS NOT NULL"
    ).bindparams(sa.bindparam("brands", expanding=True))
    for start in range(0, len(brand_ids), BRANDS_PER_READ):
        chunk = list(brand_ids[start : start + BRANDS_PER_READ])
        for row in connection.execute(statement, {"brands": chunk, "since": since}):
            titles[row.brand_id].add(row.title)
    return titles


def tag_options(row: Any) -> dict[str, str]:
    """A post's chosen option per dimension, from a row holding the tag columns."""
    return {dimension: getattr(row, dimension) for dimension in DIMENSIONS}


@dataclass(frozen=True)
class NewPost:
    """A generated post for a slot, with the strategy it was planned with."""

    slot: Slot
    user_id: str
    platform: str
    title: str
    caption: str
    content_lines: tuple[str, ...]
    choice: StrategyChoice
    generator: str = "template"
    # What the choice was made from (see `planning_record`); None for posts planned without.
    posterior_version: PosteriorVersion | None = None
    decision: str | None = None
    review: bool = False  # waits for its owner's approval (review mode)


_POST_COLUMNS = (
    "id", "user_id", "brand_id", "platform", "content_type", "slot_at", "created_by", "status",
    "title", "caption", "content_lines", "generator", "review_status", "created_at", "updated_at",
)  # fmt: skip
_TAG_COLUMNS = (
    "post_id", "user_id", "content_type", *DIMENSIONS, "is_experiment", "experiment_dimension",
    "propensity", "option_propensities", "posterior_version", "decision", "created_at",
)  # fmt: skip


def insert_toby_posts(
    connection: Connection, posts: Sequence[NewPost], now: dt.datetime
) -> list[NewPost]:
    """Schedule generated posts in their slots with their tags, in a few statements whatever
    their number; the posts written. A slot already taken (by a concurrent run, or a post that
    failed there) keeps what it has."""
    if not posts:
        return []
    taken = {
        (r.brand_id, r.content_type, utc(r.slot_at))
        for r in connection.execute(
            sa.text(
                "SELECT brand_id, content_type, slot_at FROM scheduled_posts"
                " WHERE brand_id IN :brands AND slot_at >= :first AND slot_at <= :last"
            ).bindparams(sa.bindparam("brands", expanding=True)),
            {
                "brands": sorted({p.slot.brand_id for p in posts}),
                "first": min(p.slot.at for p in posts),
                "last": max(p.slot.at for p in posts),
            },
        )
    }
    free = [p for p in posts if (p.slot.brand_id, p.slot.content_type, p.slot.at) not in taken]
    if not free:
        return []
    insert_new_rows(
        connection,
        "scheduled_posts",
        _POST_COLUMNS,
        [
            (
                post_id_for(p.slot),
                p.user_id,
                p.slot.brand_id,
                p.platform,
                p.slot.content_type,
                p.slot.at,
                "toby",
                "generated",
                p.title,
                p.caption,
                json.dumps(list(p.content_lines)),
                p.generator,
                "pending" if p.review else None,
                now,
                now,
            )
            for p in free
        ],
        unique=("brand_id", "content_type", "slot_at"),
    )
    # A version is written once under its hash and never changed (same id, same body).
    versions = {
        p.posterior_version.id: (p.slot, p.posterior_version)
        for p in free
        if p.posterior_version is not None
    }
    if versions:
        connection.execute(
            sa.text(
                "INSERT INTO posterior_versions (id, brand_id, content_type, body, created_at)"
                " VALUES (:id, :brand_id, :content_type, :body, :now) ON CONFLICT (id) DO NOTHING"
            ),
            [
                {
                    "id": version.id,
                    "brand_id": slot.brand_id,
                    "content_type": slot.content_type,
                    "body": version.body,
                    "now": now,
                }
                for slot, version in versions.values()
            ],
        )
    # A slot a concurrent run took between the read above and the insert keeps that run's post
    # and tags (same id: the id follows from the slot).
    insert_new_rows(
        connection,
        "toby_content_tags",
        _TAG_COLUMNS,
        [
            (
                post_id_for(p.slot),
                p.user_id,
                p.slot.content_type,
                *(p.choice.options[dimension] for dimension in DIMENSIONS),
                p.choice.is_experiment,
                p.choice.experiment_dimension,
                p.choice.propensity,
                json.dumps(p.choice.option_propensities, sort_keys=True),
                p.posterior_version.id if p.posterior_version else None,
                p.decision,
                now,
            )
            for p in free
        ],
        unique=("post_id",),
    )
    return free


def due_posts(
    connection: Connection, now: dt.datetime, limit: int, held: Sequence[str] = ()
) -> list[PublishablePost]:
    """Posts whose slot has come, ready or interrupted mid-publish, oldest first; none of the
    users in `held` (auto publish off), unless already mid-publish."""
    rows = connection.execute(
        sa.text(
            "SELECT p.id, p.user_id, p.brand_id, p.platform, p.content_type, p.slot_at, p.status,"
            " p.title, p.caption, a.handle, t.personality, t.topic_bucket, t.hook_strategy,"
            " t.title_format, t.visual_style FROM scheduled_posts p"
            " JOIN platform_accounts a ON a.brand_id = p.brand_id AND a.platform = p.platform"
            " LEFT JOIN toby_content_tags t ON t.post_id = p.id"
            " WHERE p.status IN ('generated', 'publishing') AND p.slot_at <= :now"
            " AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= :now)"
            " AND (p.lease_until IS NULL OR p.lease_until < :now)"
            " AND (p.status = 'publishing' OR p.user_id NOT IN :held)"
            " AND (p.review_status IS NULL OR p.review_status = 'approved')"
            " ORDER BY p.slot_at, p.id LIMIT :limit"
        ).bindparams(sa.bindparam("held", expanding=True, type_=sa.String())),
        {"now": now, "limit": limit, "held": list(held)},
    )
    return [
        PublishablePost(
            id=row.id,
            user_id=row.user_id,
            brand_id=row.brand_id,
            platform=row.platform,
            content_type=row.content_type,
            slot_at=utc(row.slot_at),
            status=row.status,
            title=row.title or "",
            caption=row.caption or "",
            account_handle=row.handle,
            options={d: getattr(row, d) for d in DIMENSIONS if getattr(row, d) is not None},
        )
        for row in rows
    ]


@dataclass(frozen=True)
class OverduePost:
    id: str
    user_id: str
    content_type: str
    title: str
    slot_at: dt.datetime


def overdue_posts(connection: Connection, before: dt.datetime) -> list[OverduePost]:
    """Posts never handed to the platform (ready, or released to be tried again) whose slot was
    before `before`. A post mid-publish is not one: its container may already be live."""
    rows = connection.execute(
        sa.text(
            "SELECT id, user_id, content_type, title, slot_at FROM scheduled_posts"
            " WHERE status = 'generated' AND slot_at < :before"
            " AND (review_status IS NULL OR review_status = 'approved') ORDER BY slot_at, id"
        ),
        {"before": before},
    )
    return [
        OverduePost(row.id, row.user_id, row.content_type, row.title or "", utc(row.slot_at))
        for row in rows
    ]


def claim_for_publishing(
    connection: Connection, post_id: str, owner: str, now: dt.datetime, lease: dt.timedelta
) -> bool:
    """Take the post's publishing lease for `owner` until now + `lease`. False when it is
    published, failed, waiting for its retry time, or leased by a run whose lease is live; a
    crashed run's expired lease can be taken over (its container is resumed, not repeated)."""
    return bool(
        connection.execute(
            sa.text(
                "UPDATE scheduled_posts SET status = 'publishing', lease_owner = :owner,"
                " lease_until = :until, updated_at = :now"
                " WHERE id = :id AND status IN ('generated', 'publishing')"
                " AND (lease_until IS NULL OR lease_until < :now)"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= :now)"
            ),
            {"id": post_id, "owner": owner, "until": now + lease, "now": now},
        ).rowcount
    )


def release_for_retry(
    connection: Connection, post_id: str, owner: str, error: str, retry_at: dt.datetime,
    now: dt.datetime,
) -> None:  # fmt: skip
    """A publish that will be tried again at `retry_at`: the lease goes, the error is kept."""
    connection.execute(
        sa.text(
            "UPDATE scheduled_posts SET lease_owner = NULL, lease_until = NULL,"
            " next_attempt_at = :retry_at, publish_attempts = publish_attempts + 1,"
            " error = :error, updated_at = :now"
            " WHERE id = :id AND status = 'publishing' AND lease_owner = :owner"
        ),
        {"id": post_id, "owner": owner, "retry_at": retry_at, "error": scrub(error)[:2000],
         "now": now},
    )  # fmt: skip


def publish_attempts(connection: Connection, post_id: str) -> int:
    return int(
        connection.execute(
            sa.text("SELECT publish_attempts FROM scheduled_posts WHERE id = :id"), {"id": post_id}
        ).scalar()
        or 0
    )


def mark_published(
    connection: Connection, post_id: str, media_id: str, now: dt.datetime, owner: str | None = None
) -> bool:
    """Published, by the run holding the lease (`owner`; None: any)."""
    return bool(
        connection.execute(
            sa.text(
                "UPDATE scheduled_posts SET status = 'published', media_id = :media_id,"
                " published_at = :now, error = NULL, updated_at = :now, lease_owner = NULL,"
                " lease_until = NULL WHERE id = :id AND status = 'publishing'"
                " AND (:owner IS NULL OR lease_owner = :owner)"
            ).bindparams(sa.bindparam("owner", type_=sa.String)),
            {"id": post_id, "media_id": media_id, "now": now, "owner": owner},
        ).rowcount
    )


def mark_failed(connection: Connection, post_id: str, error: str, now: dt.datetime) -> None:
    connection.execute(
        sa.text(
            "UPDATE scheduled_posts SET status = 'failed', error = :error, updated_at = :now,"
            " lease_owner = NULL, lease_until = NULL"
            " WHERE id = :id AND status <> 'published'"
        ),
        {"id": post_id, "error": scrub(error)[:2000], "now": now},
    )


def published_between(
    connection: Connection,
    start: dt.datetime,
    end: dt.datetime,
    user_ids: Sequence[str] | None = None,
) -> list[PublishedPost]:
    """Posts published in [start, end) that are still on the platform, of `user_ids` only when
    given (filtered in SQL)."""
    only = " AND p.user_id IN :users" if user_ids is not None else ""
    statement = sa.text(
        "SELECT p.id, p.user_id, p.brand_id, p.content_type, p.media_id, p.published_at,"
        " a.handle, p.platform FROM scheduled_posts p"
        " JOIN platform_accounts a ON a.brand_id = p.brand_id AND a.platform = p.platform"
        " WHERE p.status = 'published' AND p.published_at >= :start AND p.published_at < :end"
        f" AND p.deleted_at IS NULL{only} ORDER BY p.published_at, p.id"
    )
    params: dict[str, Any] = {"start": start, "end": end}
    if user_ids is not None:
        statement = statement.bindparams(sa.bindparam("users", expanding=True))
        params["users"] = list(user_ids)
    rows = connection.execute(statement, params)
    return [
        PublishedPost(
            r.id,
            r.user_id,
            r.brand_id,
            r.content_type,
            r.media_id,
            utc(r.published_at),
            r.handle,
            r.platform,
        )
        for r in rows
    ]


def deleted_posts(
    connection: Connection, user_ids: Sequence[str], since: dt.date, until: dt.date
) -> list[tuple[str, DeletedPost]]:
    """(user id, deleted post with its options) for Toby's posts of `user_ids` published from
    `since` and found deleted on the platform by the end of `until`."""
    rows = connection.execute(
        sa.text(
            "SELECT p.user_id, p.id, p.brand_id, p.content_type, p.deleted_at,"
            " COALESCE(p.published_at, p.slot_at) AS published_at, "
            + ", ".join(f"t.{dimension}" for dimension in DIMENSIONS)
            + " FROM scheduled_posts p JOIN toby_content_tags t ON t.post_id = p.id"
            " WHERE p.user_id IN :users AND p.deleted_at IS NOT NULL AND p.deleted_at < :until"
            " AND COALESCE(p.published_at, p.slot_at) >= :since ORDER BY p.deleted_at, p.id"
        ).bindparams(sa.bindparam("users", expanding=True)),
        {
            "users": list(user_ids),
            "since": dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC),
            "until": dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        },
    )
    return [
        (
            r.user_id,
            DeletedPost(
                r.id,
                r.brand_id,
                r.content_type,
                tag_options(r),
                utc(r.published_at).date(),
                utc(r.deleted_at).date(),
            ),
        )
        for r in rows
    ]


def planning_record(connection: Connection, post_id: str) -> tuple[Slot, str, str] | None:
    """(slot, posterior version body, decision record) a post's strategy was chosen from."""
    row = connection.execute(
        sa.text(
            "SELECT p.brand_id, p.content_type, p.slot_at, v.body, t.decision"
            " FROM scheduled_posts p JOIN toby_content_tags t ON t.post_id = p.id"
            " JOIN posterior_versions v ON v.id = t.posterior_version WHERE p.id = :id"
        ),
        {"id": post_id},
    ).first()
    if row is None:
        return None
    return Slot(utc(row.slot_at), row.brand_id, row.content_type), row.body, row.decision


def mark_deleted(connection: Connection, post_id: str, now: dt.datetime) -> bool:
    """The post's media was deleted on the platform (noticed `now`); True the first time."""
    return bool(
        connection.execute(
            sa.text(
                "UPDATE scheduled_posts SET deleted_at = :now, updated_at = :now"
                " WHERE id = :id AND deleted_at IS NULL"
            ),
            {"id": post_id, "now": now},
        ).rowcount
    )
