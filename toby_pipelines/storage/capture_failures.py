"""Captures that failed: why, how often, when to try again, and which ones are lost for good."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.storage.database import as_date, utc

FIRST_RETRY = dt.timedelta(minutes=5)
LONGEST_RETRY = dt.timedelta(hours=2)


@dataclass(frozen=True)
class CaptureFailure:
    post_id: str
    checkpoint: str
    checkpoint_at: dt.datetime
    day: dt.date
    brand_id: str
    status: str
    attempts: int
    reason: str


def retry_delay(
    attempts: int, first: dt.timedelta = FIRST_RETRY, longest: dt.timedelta = LONGEST_RETRY
) -> dt.timedelta:
    """`first` after the first failure, doubling, at most `longest` (5 minutes, 2 hours)."""
    return min(first * 2 ** (attempts - 1), longest)


def record_capture_failure(
    connection: Connection,
    *,
    post_id: str,
    checkpoint: str,
    checkpoint_at: dt.datetime,
    day: dt.date,
    brand_id: str,
    reason: str,
    give_up_at: dt.datetime,
    now: dt.datetime,
) -> str:
    """Count one more failed attempt; 'missing' once the checkpoint is too old, else 'retrying'."""
    attempts = (
        connection.execute(
            sa.text("SELECT attempts FROM capture_failures WHERE post_id = :p AND checkpoint = :c"),
            {"p": post_id, "c": checkpoint},
        ).scalar()
        or 0
    ) + 1
    status = "missing" if now >= give_up_at else "retrying"
    values = {
        "p": post_id,
        "c": checkpoint,
        "at": checkpoint_at,
        "day": day,
        "b": brand_id,
        "status": status,
        "attempts": attempts,
        "reason": scrub(reason)[:1000],
        "now": now,
        "next": min(now + retry_delay(attempts), max(give_up_at, now)),
    }
    connection.execute(
        sa.text(
            "INSERT INTO capture_failures (post_id, checkpoint, checkpoint_at, partition_date,"
            " brand_id, status, attempts, reason, first_failed_at, last_failed_at,"
            " next_attempt_at) VALUES (:p, :c, :at, :day, :b, :status, :attempts, :reason, :now,"
            " :now, :next) ON CONFLICT (post_id, checkpoint) DO UPDATE SET status = :status,"
            " attempts = :attempts, reason = :reason, last_failed_at = :now,"
            " next_attempt_at = :next"
        ),
        values,
    )
    return status


def clear_capture_failures(connection: Connection, keys: Iterable[tuple[str, str]]) -> None:
    """The captures succeeded (or no longer need to): their failure rows go. One read finds
    the few that failed before; only those are deleted."""
    wanted = set(keys)
    if not wanted:
        return
    failed_before = [
        {"p": r.post_id, "c": r.checkpoint}
        for r in connection.execute(sa.text("SELECT post_id, checkpoint FROM capture_failures"))
        if (r.post_id, r.checkpoint) in wanted
    ]
    if failed_before:
        connection.execute(
            sa.text("DELETE FROM capture_failures WHERE post_id = :p AND checkpoint = :c"),
            failed_before,
        )


def capture_failures_on(connection: Connection, day: dt.date) -> list[CaptureFailure]:
    rows = connection.execute(
        sa.text(
            "SELECT post_id, checkpoint, checkpoint_at, partition_date, brand_id, status,"
            " attempts, reason FROM capture_failures WHERE partition_date = :day"
            " ORDER BY post_id, checkpoint"
        ),
        {"day": day},
    )
    return [
        CaptureFailure(
            r.post_id,
            r.checkpoint,
            utc(r.checkpoint_at),
            as_date(r.partition_date),
            r.brand_id,
            r.status,
            r.attempts,
            r.reason,
        )
        for r in rows
    ]


def days_with_due_retries(connection: Connection, now: dt.datetime) -> dict[dt.date, dt.datetime]:
    """{day: the earliest retry time that has come} for failed captures still being retried."""
    rows = connection.execute(
        sa.text(
            "SELECT partition_date, MIN(next_attempt_at) AS due FROM capture_failures"
            " WHERE status = 'retrying' AND next_attempt_at <= :now GROUP BY partition_date"
        ),
        {"now": now},
    )
    return {as_date(r.partition_date): utc(r.due) for r in rows}


def capture_failure_counts(
    connection: Connection, brand_ids: Iterable[str]
) -> dict[str, tuple[int, int]]:
    """{brand_id: (captures retrying, captures missing)}."""
    ids = list(brand_ids)
    if not ids:
        return {}
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, SUM(CASE WHEN status = 'retrying' THEN 1 ELSE 0 END) AS retrying,"
            " SUM(CASE WHEN status = 'missing' THEN 1 ELSE 0 END) AS missing"
            " FROM capture_failures WHERE brand_id IN :ids GROUP BY brand_id"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": ids},
    )
    return {r.brand_id: (int(r.retrying), int(r.missing)) for r in rows}
