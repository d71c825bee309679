"""Metrics snapshots: a post's cumulative metrics at each checkpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.metrics.validation import METRIC_FIELDS, OPTIONAL_FIELDS, PostMetrics
from toby_pipelines.storage.bulk import upsert_rows
from toby_pipelines.storage.database import as_date, for_users, utc


@dataclass(frozen=True)
class Snapshot(PostMetrics):
    """A post's metrics (views ... follows, None where unknown) at one checkpoint."""

    post_id: str
    checkpoint: str
    checkpoint_at: dt.datetime
    partition_date: dt.date
    captured_at: dt.datetime
    followers_at_capture: int
    # When the numbers are as of (the checkpoint on the simulated platform; the call on a live one).
    observed_at: dt.datetime | None = field(default=None, kw_only=True)


_COLUMNS = tuple(Snapshot.__dataclass_fields__)


def _values(row) -> dict:
    # A shallow dict of the row's columns: dataclasses.asdict deep-copies every value.
    return {name: getattr(row, name) for name in _COLUMNS}


_VALUES = (*METRIC_FIELDS, *OPTIONAL_FIELDS, "followers_at_capture", "observed_at")


def insert_new_snapshots(connection: Connection, snapshots: Sequence[Snapshot]) -> int:
    """Snapshots of a live platform are facts of their moment: a checkpoint already captured is
    never overwritten by a later capture. Returns how many were new."""
    statement = sa.text(
        f"INSERT INTO metrics_snapshots ({', '.join(_COLUMNS)})"
        f" VALUES ({', '.join(':' + c for c in _COLUMNS)})"
        " ON CONFLICT (post_id, checkpoint) DO NOTHING"
    )
    return sum(connection.execute(statement, _values(s)).rowcount for s in snapshots)


def captured_checkpoints(connection: Connection, post_ids: Iterable[str]) -> set[tuple[str, str]]:
    """(post_id, checkpoint) pairs already captured among `post_ids`."""
    ids = list(post_ids)
    found: set[tuple[str, str]] = set()
    for start in range(0, len(ids), 500):
        rows = connection.execute(
            sa.text(
                "SELECT post_id, checkpoint FROM metrics_snapshots WHERE post_id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids[start : start + 500]},
        )
        found.update((r.post_id, r.checkpoint) for r in rows)
    return found


def upsert_snapshots(connection: Connection, snapshots: Sequence[Snapshot]) -> int:
    """Insert or correct snapshots of the simulated platform, which answers for any moment, so a
    re-run replays exactly; an identical re-capture changes nothing (not even captured_at)."""
    if not snapshots:
        return 0
    # IS DISTINCT FROM: a value that becomes known (NULL -> 120) is a change too.
    changed = " OR ".join(f"metrics_snapshots.{c} IS DISTINCT FROM excluded.{c}" for c in _VALUES)
    updates = ", ".join(
        f"{c} = excluded.{c}" for c in (*_VALUES, "captured_at", "checkpoint_at", "partition_date")
    )
    # A day's snapshots streamed by COPY on PostgreSQL, then merged in one statement.
    return upsert_rows(
        connection,
        "metrics_snapshots",
        _COLUMNS,
        [tuple(_values(s).values()) for s in snapshots],
        f"ON CONFLICT (post_id, checkpoint) DO UPDATE SET {updates} WHERE {changed}",
    )


@dataclass(frozen=True)
class SnapshotForScoring(PostMetrics):
    post_id: str
    user_id: str
    brand_id: str
    content_type: str
    checkpoint: str
    day: dt.date
    followers_at_capture: int
    observed_late_hours: float = field(default=0.0, kw_only=True)


def snapshots_between(
    connection: Connection,
    first_day: dt.date,
    last_day: dt.date,
    checkpoints: Sequence[str],
    user_ids: Sequence[str] | None = None,
) -> list[SnapshotForScoring]:
    """Snapshots at `checkpoints` in the window, of `user_ids` only when given."""
    only = " AND p.user_id IN :users" if user_ids is not None else ""
    statement = sa.text(
        "SELECT s.post_id, p.user_id, p.brand_id, p.content_type, s.checkpoint,"
        " s.partition_date, s.views, s.reach, s.likes, s.comments, s.saves, s.shares,"
        " s.follows, s.followers_at_capture, s.checkpoint_at, s.observed_at"
        " FROM metrics_snapshots s"
        " JOIN scheduled_posts p ON p.id = s.post_id"
        " WHERE s.partition_date >= :first AND s.partition_date <= :last"
        f" AND s.checkpoint IN :checkpoints{only}"
        " ORDER BY s.partition_date, s.post_id, s.checkpoint"
    ).bindparams(sa.bindparam("checkpoints", expanding=True))
    params: dict = {"first": first_day, "last": last_day, "checkpoints": list(checkpoints)}
    if user_ids is not None:
        statement = statement.bindparams(sa.bindparam("users", expanding=True))
        params["users"] = list(user_ids)
    rows = connection.execute(statement, params)
    return [
        SnapshotForScoring(
            post_id=r.post_id,
            user_id=r.user_id,
            brand_id=r.brand_id,
            content_type=r.content_type,
            checkpoint=r.checkpoint,
            day=as_date(r.partition_date),
            followers_at_capture=r.followers_at_capture,
            observed_late_hours=_late_hours(r.checkpoint_at, r.observed_at),
            **{name: getattr(r, name) for name in METRIC_FIELDS},
        )
        for r in rows
    ]


def _late_hours(checkpoint_at: dt.datetime, observed_at: dt.datetime | None) -> float:
    if observed_at is None:
        return 0.0
    return max(0.0, (utc(observed_at) - utc(checkpoint_at)).total_seconds() / 3600)


def users_with_snapshots_on(connection: Connection, day: dt.date) -> list[str]:
    rows = connection.execute(
        sa.text(
            "SELECT DISTINCT p.user_id FROM metrics_snapshots s"
            " JOIN scheduled_posts p ON p.id = s.post_id WHERE s.partition_date = :day"
        ),
        {"day": day},
    )
    return sorted(r.user_id for r in rows)


def _window_totals(
    connection: Connection,
    columns: str,
    group_by: str,
    window: tuple[dt.date, dt.date],
    checkpoints: Sequence[str],
    user_ids: Sequence[str] | None,
):
    """`SELECT columns ... GROUP BY group_by` over the snapshots at `checkpoints` of the days of
    `window` joined to their posts, of `user_ids` only when given."""
    only = " AND p.user_id IN :users" if user_ids is not None else ""
    statement = sa.text(
        f"SELECT {columns} FROM metrics_snapshots s JOIN scheduled_posts p ON p.id = s.post_id"
        " WHERE s.partition_date >= :first AND s.partition_date <= :last"
        f" AND s.checkpoint IN :checkpoints{only} GROUP BY {group_by}"
    ).bindparams(sa.bindparam("checkpoints", expanding=True))
    params = {"first": window[0], "last": window[1], "checkpoints": list(checkpoints)}
    return connection.execute(*for_users(statement, params, user_ids))


def view_totals_between(
    connection: Connection,
    first_day: dt.date,
    last_day: dt.date,
    checkpoints: Sequence[str],
    user_ids: Sequence[str] | None = None,
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """{(brand, content type, checkpoint): (sum of views, snapshots with views)} over the window,
    summed by the database: a baseline needs two numbers per key, not every snapshot."""
    rows = _window_totals(
        connection,
        "p.brand_id, p.content_type, s.checkpoint, SUM(s.views) AS total, COUNT(s.views) AS counted",
        "p.brand_id, p.content_type, s.checkpoint",
        (first_day, last_day),
        checkpoints,
        user_ids,
    )
    return {
        (r.brand_id, r.content_type, r.checkpoint): (int(r.total), int(r.counted))
        for r in rows
        if r.counted
    }


def latest_captured_followers(
    connection: Connection,
    first_day: dt.date,
    last_day: dt.date,
    checkpoints: Sequence[str],
    user_ids: Sequence[str] | None = None,
) -> dict[tuple[str, str], int]:
    """{(brand, content type): the follower count captured on the latest day of the window that
    has a snapshot at `checkpoints` (the highest, when that day has several)}."""
    rows = _window_totals(
        connection,
        "p.brand_id, p.content_type, s.partition_date AS day,"
        " MAX(s.followers_at_capture) AS followers",
        "p.brand_id, p.content_type, s.partition_date",
        (first_day, last_day),
        checkpoints,
        user_ids,
    )
    # A row per key and day (one scan of the window); the latest day of each key wins.
    latest: dict[tuple[str, str], tuple[dt.date, int]] = {}
    for r in rows:
        key, day = (r.brand_id, r.content_type), as_date(r.day)
        if r.followers is not None and (key not in latest or latest[key][0] < day):
            latest[key] = (day, int(r.followers))
    return {key: followers for key, (_, followers) in latest.items()}
