"""Which daily partitions of metrics need a run because posts crossed a checkpoint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from toby_pipelines.metrics.checkpoints import LONGEST_CHECKPOINT, checkpoints_between
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.posts import published_between

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
