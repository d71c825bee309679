"""Change detectors carried from day to day (table toby_detector_states): one row per brand,
content type and day, the last KEPT_DAYS days of each user kept, so re-running one of the last
days (a retry, a short backfill) goes on from the state of the day before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.bulk import insert_rows
from toby_pipelines.storage.database import as_date

KEPT_DAYS = 3


class StoredDetector(NamedTuple):
    user_id: str
    brand_id: str
    content_type: str
    learning_since: dt.date | None  # the reset day it learned from (None: never reset)
    state: str  # `carried_detection.state_to_json`


def detector_states(
    connection: Connection, user_ids: Sequence[str], as_of: dt.date
) -> dict[tuple[str, str], StoredDetector]:
    """{(brand, content type): its detector as of `as_of`} of these users' brands."""
    if not user_ids:
        return {}
    rows = connection.execute(
        sa.text(
            "SELECT user_id, brand_id, content_type, learning_since, state"
            " FROM toby_detector_states WHERE as_of_date = :d AND user_id IN :users"
        ).bindparams(sa.bindparam("users", expanding=True)),
        {"d": as_of, "users": list(user_ids)},
    )
    return {
        (r.brand_id, r.content_type): StoredDetector(
            r.user_id,
            r.brand_id,
            r.content_type,
            as_date(r.learning_since) if r.learning_since is not None else None,
            r.state,
        )
        for r in rows
    }


def save_detector_states(
    connection: Connection,
    as_of: dt.date,
    user_ids: Sequence[str],
    detectors: Sequence[StoredDetector],
) -> None:
    """These users' detectors as of `as_of` become `detectors` (a re-run replaces the day's);
    their states older than KEPT_DAYS before it go."""
    if not user_ids:
        return
    connection.execute(
        sa.text(
            "DELETE FROM toby_detector_states WHERE user_id IN :users"
            " AND (as_of_date = :d OR as_of_date < :oldest)"
        ).bindparams(sa.bindparam("users", expanding=True)),
        {
            "users": list(user_ids),
            "d": as_of,
            "oldest": as_of - dt.timedelta(days=KEPT_DAYS - 1),
        },
    )
    insert_rows(
        connection,
        "toby_detector_states",
        ("brand_id", "content_type", "as_of_date", "user_id", "learning_since", "state"),
        (
            (d.brand_id, d.content_type, as_of, d.user_id, d.learning_since, d.state)
            for d in detectors
        ),
    )
