"""Experiments per brand, content type and dimension (table toby_experiments)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.bulk import upsert_rows
from toby_pipelines.storage.database import as_date, for_users, load_json
from toby_pipelines.strategy.dimensions import DIMENSIONS
from toby_pipelines.strategy.experiments import Experiment, OptionResult

ExperimentKey = tuple[str, str, str]  # brand_id, content_type, dimension


# Every run started by :day, numbered newest first per key. An inconclusive run that a retest
# replaced stays as it was (active, never completed); the newest run is the one that stands.
# A run's place among its key's runs, 1 for the newest (of `toby_experiments e`).
RUN_RECENCY = (
    "ROW_NUMBER() OVER (PARTITION BY e.brand_id, e.content_type, e.dimension"
    " ORDER BY e.started_on DESC)"
)
_NEWEST_RUNS = (
    f"SELECT e.*, {RUN_RECENCY} AS newest FROM toby_experiments e WHERE started_on <= :day"
)


def experiments_as_of(
    connection: Connection, day: dt.date, user_ids: Sequence[str] | None = None
) -> dict[ExperimentKey, Experiment]:
    """The newest experiment of each brand, content type and dimension started on or before `day`,
    of `user_ids` only when given. Only those rows are read: a key gains a run with every retest
    (a month or so), and this is read on every tick."""
    if user_ids is not None and not user_ids:
        return {}
    only = " AND user_id IN :users" if user_ids is not None else ""
    statement = sa.text(
        "SELECT brand_id, content_type, dimension, options, results, status, winner,"
        f" started_on, completed_on, min_samples FROM ({_NEWEST_RUNS}{only}) runs"
        " WHERE newest = 1"
    )
    rows = connection.execute(*for_users(statement, {"day": day}, user_ids)).all()
    current: dict[ExperimentKey, Experiment] = {}
    for r in rows:
        completed_on = as_date(r.completed_on) if r.completed_on is not None else None
        if completed_on is not None and completed_on > day:
            status, winner, completed_on = "active", None, None  # as it stood on `day`
        else:
            status, winner = r.status, r.winner
        current[(r.brand_id, r.content_type, r.dimension)] = Experiment(
            brand_id=r.brand_id,
            content_type=r.content_type,
            dimension=r.dimension,
            options=tuple(load_json(r.options)),
            started_on=as_date(r.started_on),
            status=status,
            winner=winner,
            completed_on=completed_on,
            min_samples=r.min_samples,
            results={
                option: OptionResult(**values) for option, values in load_json(r.results).items()
            },
        )
    return current


def save_experiments(
    connection: Connection,
    user_ids: dict[str, str],
    experiments: Sequence[Experiment],
    day: dt.date,
) -> None:
    """Write each experiment as of `day`. A row already updated for a later day is left alone, so
    re-running an old partition never rolls an experiment back."""
    # A day's experiments are one per brand, content type and dimension (100,000 at 10,000
    # brands): merged in one statement, not upserted row by row.
    upsert_rows(
        connection,
        "toby_experiments",
        _COLUMNS,
        [_experiment_row(e, user_ids[e.brand_id], day) for e in experiments],
        "ON CONFLICT (brand_id, content_type, dimension, started_on) DO UPDATE SET"
        " results = excluded.results, status = excluded.status, winner = excluded.winner,"
        " completed_at = excluded.completed_at, completed_on = excluded.completed_on,"
        " results_as_of = excluded.results_as_of"
        " WHERE toby_experiments.results_as_of <= excluded.results_as_of",
    )


_COLUMNS = (
    "id", "user_id", "brand_id", "content_type", "dimension", "options", "results", "status",
    "winner", "started_at", "completed_at", "started_on", "completed_on", "results_as_of",
    "min_samples",
)  # fmt: skip


def _experiment_row(e: Experiment, user_id: str, day: dt.date) -> tuple:
    """The values of `_COLUMNS`."""
    results = {o: r.__dict__ for o, r in e.results.items()}
    return (
        f"{e.brand_id}|{e.content_type}|{e.dimension}|{e.started_on.isoformat()}",
        user_id, e.brand_id, e.content_type, e.dimension, json.dumps(list(e.options)),
        json.dumps(results, allow_nan=True, sort_keys=True), e.status, e.winner,
        dt.datetime.combine(e.started_on, dt.time(), tzinfo=dt.UTC),
        dt.datetime.combine(e.completed_on, dt.time(), tzinfo=dt.UTC) if e.completed_on else None,
        e.started_on, e.completed_on, day, e.min_samples,
    )  # fmt: skip


def planned_counts(connection: Connection, day: dt.date) -> dict[ExperimentKey, dict[str, int]]:
    """{(brand, content type, dimension): {option: posts}}: how many of Toby's posts with a slot
    since each experiment active on `day` started carry each option of its dimension (planned,
    published or scored alike), counted in SQL: the rows read are one per option, not one per
    post since the oldest experiment began."""
    option = (
        "CASE e.dimension "
        + " ".join(f"WHEN '{dimension}' THEN t.{dimension}" for dimension in DIMENSIONS)
        + " END"
    )
    rows = connection.execute(
        sa.text(
            f"SELECT e.brand_id, e.content_type, e.dimension, {option} AS option_value,"
            f" COUNT(*) AS posts FROM ({_NEWEST_RUNS}) e"
            " JOIN scheduled_posts p ON p.brand_id = e.brand_id"
            " AND p.content_type = e.content_type AND p.slot_at >= e.started_at"
            " JOIN toby_content_tags t ON t.post_id = p.id"
            " WHERE e.newest = 1 AND (e.completed_on IS NULL OR e.completed_on > :day)"
            f" GROUP BY e.brand_id, e.content_type, e.dimension, {option}"
        ),
        {"day": day},
    )
    counts: dict[ExperimentKey, dict[str, int]] = {}
    for r in rows:
        counts.setdefault((r.brand_id, r.content_type, r.dimension), {})[r.option_value] = r.posts
    return counts
