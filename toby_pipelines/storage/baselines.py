"""Brand baselines per day, brand and content type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.database import as_date


@dataclass(frozen=True)
class BaselineRow:
    as_of_date: dt.date
    brand_id: str
    content_type: str
    avg_views_48h: float | None
    avg_views_7d: float | None
    avg_score: float | None
    post_count: int
    followers: int | None
    recent_avg_score: float | None
    previous_avg_score: float | None
    drift_action: str | None
    drift_explore_ratio: float | None
    drift_until: dt.date | None
    drift_reason: str | None


_COLUMNS = tuple(BaselineRow.__dataclass_fields__)


def _values(row) -> dict:
    # A shallow dict of the row's columns: dataclasses.asdict deep-copies every value.
    return {name: getattr(row, name) for name in _COLUMNS}


def replace_baselines(
    connection: Connection,
    as_of: dt.date,
    rows: Sequence[BaselineRow],
    brand_ids: Sequence[str] | None = None,
) -> None:
    """The day's baselines of `brand_ids` (every brand when None) become `rows`."""
    if brand_ids is None:
        connection.execute(
            sa.text("DELETE FROM brand_baselines WHERE as_of_date = :d"), {"d": as_of}
        )
    elif brand_ids:
        connection.execute(
            sa.text(
                "DELETE FROM brand_baselines WHERE as_of_date = :d AND brand_id IN :brands"
            ).bindparams(sa.bindparam("brands", expanding=True)),
            {"d": as_of, "brands": list(brand_ids)},
        )
    if rows:
        connection.execute(
            sa.text(
                f"INSERT INTO brand_baselines ({', '.join(_COLUMNS)})"
                f" VALUES ({', '.join(':' + c for c in _COLUMNS)})"
            ),
            [_values(row) for row in rows],
        )


def active_drift_ratios(connection: Connection, today: dt.date) -> dict[tuple[str, str], float]:
    """Drift-adjusted explore ratio per (brand, content type) still in force today.

    Only the latest baseline day up to today counts, so an old backfilled day cannot revive
    a decision that a newer baseline has already replaced.
    """
    rows = connection.execute(
        sa.text(
            "SELECT b.brand_id, b.content_type, b.drift_explore_ratio, b.drift_until"
            " FROM brand_baselines b WHERE b.as_of_date = (SELECT MAX(as_of_date)"
            " FROM brand_baselines WHERE as_of_date <= :today) AND b.drift_action IS NOT NULL"
        ),
        {"today": today},
    )
    return {
        (r.brand_id, r.content_type): r.drift_explore_ratio
        for r in rows
        if r.drift_until is not None and as_date(r.drift_until) > today
    }
