"""Rolling 14-day averages per brand and content type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

WINDOW_DAYS = 14


@dataclass(frozen=True)
class ViewObservation:
    brand_id: str
    content_type: str
    checkpoint: str
    day: dt.date
    views: int


def window_start(as_of: dt.date, days: int = WINDOW_DAYS) -> dt.date:
    """First day of the `days`-day window that ends with (and includes) `as_of`."""
    return as_of - dt.timedelta(days=days - 1)


def rolling_average_views(
    observations: Iterable[ViewObservation], as_of: dt.date
) -> dict[tuple[str, str, str], float]:
    """Mean views per (brand, content type, checkpoint) over the 14 days ending `as_of`."""
    start = window_start(as_of)
    sums: dict[tuple[str, str, str], list[int]] = {}
    for item in observations:
        if start <= item.day <= as_of:
            sums.setdefault((item.brand_id, item.content_type, item.checkpoint), []).append(
                item.views
            )
    return {key: sum(values) / len(values) for key, values in sums.items()}
