"""Failures stay where they happen: each user's (or brand's) share of a stage runs on its own,
and what fails is recorded, logged, turned into an incident and retried, while everyone else's
work is written as usual."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.engine import Connection

from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.incidents import record_transition
from toby_pipelines.storage.unit_failures import (
    clear_unit_failure,
    failing_units,
    record_unit_failure,
)


@dataclass(frozen=True)
class FailedUnit:
    unit: str
    user_id: str
    reason: str


def describe(error: BaseException) -> str:
    """What failed, for a person and the database: type and message, secrets scrubbed."""
    return scrub(f"{type(error).__name__}: {error}")[:1000]


Unit = TypeVar("Unit")


def write_together(
    database: Database,
    units: Sequence[Unit],
    write: Callable[[Connection, Sequence[Unit]], None],
    user_of: Callable[[Unit], str],
    failed: list[FailedUnit],
) -> list[Unit]:
    """Write several users' shares of a stage in one transaction (few statements, one commit).
    Should it fail, each is written on its own, so only the user whose write fails is recorded
    in `failed`; the others land as usual. What was written."""
    if not units:
        return []
    try:
        with database.transaction() as connection:
            write(connection, units)
        return list(units)
    except Exception as error:  # someone's write failed: find out whose
        if len(units) == 1:
            failed.append(FailedUnit(user_of(units[0]), user_of(units[0]), describe(error)))
            return []
    return [
        done for unit in units for done in write_together(database, [unit], write, user_of, failed)
    ]


def settle_units(
    database: Database,
    *,
    stage: str,
    partition_key: str,
    succeeded: Mapping[str, str],
    failed: list[FailedUnit],
    now: dt.datetime,
) -> None:
    """Record this run's failed units and clear the ones that now succeeded ({unit: user_id}).
    Nothing is written when nothing failed now or before: the usual run costs one read."""
    with database.engine.connect() as connection:
        failing = failing_units(connection, stage, partition_key)
    recovered = {unit: user for unit, user in succeeded.items() if unit in failing}
    if not recovered and not failed:
        return
    with database.transaction() as connection:
        for unit, user_id in recovered.items():
            clear_unit_failure(connection, stage, partition_key, unit)
            _transition(connection, stage, unit, user_id, "ok", f"{stage} works again for {unit} ({partition_key or 'tick'})", now)  # fmt: skip
        for failure in failed:
            record_unit_failure(
                connection,
                stage=stage,
                partition_key=partition_key,
                unit=failure.unit,
                user_id=failure.user_id,
                reason=failure.reason,
                now=now,
            )
            log_activity(
                connection,
                user_id=failure.user_id,
                action_type="error",
                description=(
                    f"{stage} failed for {failure.unit} ({partition_key or 'tick'}); it will be"
                    f" retried and nobody else is affected: {failure.reason}"
                ),
                dedupe_key=f"unit-failed:{stage}:{partition_key}:{failure.unit}",
                now=now,
                level="error",
            )
            _transition(connection, stage, failure.unit, failure.user_id, "failing", f"{stage} failing for {failure.unit}: {failure.reason}", now)  # fmt: skip


def _transition(connection, stage, unit, user_id, state, description, now) -> None:
    record_transition(
        connection,
        subject=f"user:{user_id}",
        condition=f"{stage}:{unit}",
        state=state,
        severity="info" if state == "ok" else "critical",
        description=description,
        now=now,
        user_id=user_id,
    )
