"""Work of one user (or brand) that failed in a stage of the loop while everyone else's went on:
kept until a later run succeeds, so it is shown and retried, never silently dropped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.storage.capture_failures import retry_delay
from toby_pipelines.storage.database import as_date, utc

# Stages of the daily learning job: their failures are retried by asking for the day again.
LEARNING_STAGES = ("scored_posts", "brand_baselines", "strategy_posteriors")


@dataclass(frozen=True)
class UnitFailure:
    stage: str
    partition_key: str
    unit: str
    user_id: str
    reason: str
    attempts: int
    first_failed_at: dt.datetime


def record_unit_failure(
    connection: Connection,
    *,
    stage: str,
    partition_key: str,
    unit: str,
    user_id: str,
    reason: str,
    now: dt.datetime,
) -> bool:
    """Count a failure; True when the unit was not failing before (a new incident)."""
    attempts = connection.execute(
        sa.text(
            "SELECT attempts FROM unit_failures WHERE stage = :s AND partition_key = :p"
            " AND unit = :u"
        ),
        {"s": stage, "p": partition_key, "u": unit},
    ).scalar()
    count = (attempts or 0) + 1
    connection.execute(
        sa.text(
            "INSERT INTO unit_failures (stage, partition_key, unit, user_id, reason, attempts,"
            " first_failed_at, last_failed_at, next_attempt_at) VALUES (:s, :p, :u, :user,"
            " :reason, :attempts, :now, :now, :next) ON CONFLICT (stage, partition_key, unit)"
            " DO UPDATE SET reason = :reason, attempts = :attempts, last_failed_at = :now,"
            " next_attempt_at = :next"
        ),
        {
            "s": stage,
            "p": partition_key,
            "u": unit,
            "user": user_id,
            "reason": scrub(reason)[:1000],
            "attempts": count,
            "now": now,
            "next": now + retry_delay(count),
        },
    )
    return attempts is None


def clear_unit_failure(connection: Connection, stage: str, partition_key: str, unit: str) -> bool:
    """The unit succeeded; True when it had been failing (it recovered)."""
    return bool(
        connection.execute(
            sa.text(
                "DELETE FROM unit_failures WHERE stage = :s AND partition_key = :p AND unit = :u"
            ),
            {"s": stage, "p": partition_key, "u": unit},
        ).rowcount
    )


def failing_units(connection: Connection, stage: str, partition_key: str) -> set[str]:
    """The units of a stage and partition that failed and have not succeeded since."""
    rows = connection.execute(
        sa.text("SELECT unit FROM unit_failures WHERE stage = :s AND partition_key = :p"),
        {"s": stage, "p": partition_key},
    )
    return {r.unit for r in rows}


def open_unit_failures(connection: Connection, user_id: str | None = None) -> list[UnitFailure]:
    rows = connection.execute(
        sa.text(
            "SELECT stage, partition_key, unit, user_id, reason, attempts, first_failed_at"
            " FROM unit_failures WHERE (:user IS NULL OR user_id = :user)"
            " ORDER BY first_failed_at, stage, unit"
        ).bindparams(sa.bindparam("user", type_=sa.String)),
        {"user": user_id},
    )
    return [
        UnitFailure(
            r.stage,
            r.partition_key,
            r.unit,
            r.user_id,
            r.reason,
            r.attempts,
            utc(r.first_failed_at),
        )
        for r in rows
    ]


def learning_days_with_due_retries(
    connection: Connection, now: dt.datetime
) -> dict[dt.date, dt.datetime]:
    rows = connection.execute(
        sa.text(
            "SELECT partition_key, MIN(next_attempt_at) AS due FROM unit_failures"
            " WHERE stage IN :stages AND next_attempt_at <= :now GROUP BY partition_key"
        ).bindparams(sa.bindparam("stages", expanding=True)),
        {"stages": list(LEARNING_STAGES), "now": now},
    )
    return {as_date(r.partition_key): utc(r.due) for r in rows}
