"""Rolling 14-day averages per brand and content type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

WINDOW_DAYS = 14


def window_start(as_of: dt.date, days: int = WINDOW_DAYS) -> dt.date:
    """First day of the `days`-day window that ends with (and includes) `as_of`."""
    return as_of - dt.timedelta(days=days - 1)


def average_views(
    totals: Mapping[tuple[str, str, str], tuple[int, int]],
) -> dict[tuple[str, str, str], float]:
    """Mean views per key from (sum of views, snapshots with views) per key."""
    return {key: total / count for key, (total, count) in totals.items() if count}
