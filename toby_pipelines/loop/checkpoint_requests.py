"""Which daily partitions of the learning job need a run: posts crossed a checkpoint, or work
that failed (a capture, one user's learning) is due to be tried again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from toby_pipelines.metrics.checkpoints import LONGEST_CHECKPOINT, checkpoints_between
from toby_pipelines.storage.capture_failures import days_with_due_retries
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.posts import published_between
from toby_pipelines.storage.unit_failures import learning_days_with_due_retries

_TICK = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class DueDay:
    day: dt.date
    checkpoints: int
    latest_at: dt.datetime


def due_days(
    database: Database, since: dt.datetime, now: dt.datetime, max_days: int
) -> tuple[list[DueDay], dt.datetime]:
    """Days with checkpoints crossed in (since, now], oldest first, at most `max_days` of them,
    and the cursor to resume from (now, or the last checkpoint handled when the page was full)."""
    with database.engine.connect() as connection:
        posts = published_between(connection, since - LONGEST_CHECKPOINT, now + _TICK)
    by_day: dict[dt.date, list[dt.datetime]] = {}
    for post in posts:
        for due in checkpoints_between(post.published_at, since + _TICK, now + _TICK):
            by_day.setdefault(due.at.date(), []).append(due.at)
    days = [DueDay(day, len(times), max(times)) for day, times in sorted(by_day.items())]
    if len(days) > max_days:
        days = days[:max_days]
        return days, days[-1].latest_at
    return days, now


def retry_days(database: Database, now: dt.datetime) -> list[tuple[dt.date, dt.datetime]]:
    """(day, retry time) of days whose failed captures or failed learning are due again, oldest
    first. The retry time keys the run, so each retry is asked for once."""
    with database.engine.connect() as connection:
        due = days_with_due_retries(connection, now)
        for day, at in learning_days_with_due_retries(connection, now).items():
            due[day] = min(at, due.get(day, at))
    return sorted(due.items())
