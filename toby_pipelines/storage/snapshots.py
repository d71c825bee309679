"""Metrics snapshots: a post's cumulative metrics at each checkpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.baselines.rolling import ViewObservation
from toby_pipelines.metrics.validation import METRIC_FIELDS, PostMetrics
from toby_pipelines.storage.database import as_date


@dataclass(frozen=True)
class Snapshot(PostMetrics):
    """A post's metrics (views ... follows, None where unknown) at one checkpoint."""

    post_id: str
    checkpoint: str
    checkpoint_at: dt.datetime
    partition_date: dt.date
    captured_at: dt.datetime
    followers_at_capture: int


_COLUMNS = tuple(Snapshot.__dataclass_fields__)
_VALUES = (*METRIC_FIELDS, "followers_at_capture")


def upsert_snapshots(connection: Connection, snapshots: Sequence[Snapshot]) -> int:
    """Insert or correct snapshots; an identical re-capture changes nothing (not even captured_at)."""
    if not snapshots:
        return 0
    # IS DISTINCT FROM: a value that becomes known (NULL -> 120) is a change too.
    changed = " OR ".join(f"metrics_snapshots.{c} IS DISTINCT FROM excluded.{c}" for c in _VALUES)
    updates = ", ".join(
        f"{c} = excluded.{c}" for c in (*_VALUES, "captured_at", "checkpoint_at", "partition_date")
    )
    statement = sa.text(
        f"INSERT INTO metrics_snapshots ({', '.join(_COLUMNS)})"
        f" VALUES ({', '.join(':' + c for c in _COLUMNS)})"
        f" ON CONFLICT (post_id, checkpoint) DO UPDATE SET {updates} WHERE {changed}"
    )
    connection.execute(statement, [asdict(s) for s in snapshots])
    return len(snapshots)


@dataclass(frozen=True)
class SnapshotForScoring(PostMetrics):
    post_id: str
    user_id: str
    brand_id: str
    content_type: str
    checkpoint: str
    day: dt.date
    followers_at_capture: int


def snapshots_between(
    connection: Connection, first_day: dt.date, last_day: dt.date, checkpoints: Sequence[str]
) -> list[SnapshotForScoring]:
    rows = connection.execute(
        sa.text(
            "SELECT s.post_id, p.user_id, p.brand_id, p.content_type, s.checkpoint,"
            " s.partition_date, s.views, s.reach, s.likes, s.comments, s.saves, s.shares,"
            " s.follows, s.followers_at_capture FROM metrics_snapshots s"
            " JOIN scheduled_posts p ON p.id = s.post_id"
            " WHERE s.partition_date >= :first AND s.partition_date <= :last"
            " ORDER BY s.partition_date, s.post_id, s.checkpoint"
        ),
        {"first": first_day, "last": last_day},
    )
    return [
        SnapshotForScoring(
            post_id=r.post_id,
            user_id=r.user_id,
            brand_id=r.brand_id,
            content_type=r.content_type,
            checkpoint=r.checkpoint,
            day=as_date(r.partition_date),
            followers_at_capture=r.followers_at_capture,
            **{field: getattr(r, field) for field in METRIC_FIELDS},
        )
        for r in rows
        if r.checkpoint in checkpoints
    ]


def view_observations(snapshots: Sequence[SnapshotForScoring]) -> list[ViewObservation]:
    return [
        ViewObservation(s.brand_id, s.content_type, s.checkpoint, s.day, s.views)
        for s in snapshots
        if s.views is not None
    ]
