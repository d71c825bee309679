"""Day boundaries in UTC, the unit of Toby's daily partitions."""

from __future__ import annotations

import datetime as dt


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def day_end(day: dt.date) -> dt.datetime:
    return day_start(day + dt.timedelta(days=1))


def days_back(day: dt.date, count: int) -> dt.date:
    return day - dt.timedelta(days=count)
