"""Experiments per brand, content type and dimension (table toby_experiments)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.database import as_date, load_json, utc
from toby_pipelines.storage.posts import tag_options
from toby_pipelines.strategy.experiments import Experiment, OptionResult

ExperimentKey = tuple[str, str, str]  # brand_id, content_type, dimension


def experiments_as_of(connection: Connection, day: dt.date) -> dict[ExperimentKey, Experiment]:
    """The newest experiment of each brand, content type and dimension started on or before `day`."""
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, content_type, dimension, options, results, status, winner,"
            " started_on, completed_on, min_samples FROM toby_experiments"
            " WHERE started_on <= :day ORDER BY started_on"
        ),
        {"day": day},
    ).all()
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
    if not experiments:
        return
    connection.execute(
        sa.text(
            "INSERT INTO toby_experiments (id, user_id, brand_id, content_type, dimension,"
            " options, results, status, winner, started_at, completed_at, started_on,"
            " completed_on, results_as_of, min_samples) VALUES (:id, :user_id, :brand_id,"
            " :content_type, :dimension, :options, :results, :status, :winner, :started_at,"
            " :completed_at, :started_on, :completed_on, :day, :min_samples)"
            " ON CONFLICT (brand_id, content_type, dimension, started_on) DO UPDATE SET"
            " results = excluded.results, status = excluded.status, winner = excluded.winner,"
            " completed_at = excluded.completed_at, completed_on = excluded.completed_on,"
            " results_as_of = excluded.results_as_of"
            " WHERE toby_experiments.results_as_of <= excluded.results_as_of"
        ),
        [_experiment_row(e, user_ids[e.brand_id], day) for e in experiments],
    )


def _experiment_row(e: Experiment, user_id: str, day: dt.date) -> dict:
    return {
        "id": f"{e.brand_id}|{e.content_type}|{e.dimension}|{e.started_on.isoformat()}",
        "user_id": user_id,
        "brand_id": e.brand_id,
        "content_type": e.content_type,
        "dimension": e.dimension,
        "options": json.dumps(list(e.options)),
        "results": json.dumps(
            {o: r.__dict__ for o, r in e.results.items()}, allow_nan=True, sort_keys=True
        ),
        "status": e.status,
        "winner": e.winner,
        "started_at": dt.datetime.combine(e.started_on, dt.time(), tzinfo=dt.UTC),
        "completed_at": (
            dt.datetime.combine(e.completed_on, dt.time(), tzinfo=dt.UTC)
            if e.completed_on
            else None
        ),
        "started_on": e.started_on,
        "completed_on": e.completed_on,
        "day": day,
        "min_samples": e.min_samples,
    }


def planned_options_since(
    connection: Connection, first_day: dt.date
) -> dict[tuple[str, str], list[tuple[dt.date, dict[str, str]]]]:
    """{(brand, content type): [(slot day, options)]} of Toby's posts from `first_day` on."""
    rows = connection.execute(
        sa.text(
            "SELECT p.brand_id, p.content_type, p.slot_at, t.personality, t.topic_bucket,"
            " t.hook_strategy, t.title_format, t.visual_style FROM toby_content_tags t"
            " JOIN scheduled_posts p ON p.id = t.post_id WHERE p.slot_at >= :first"
        ),
        {"first": dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC)},
    ).all()
    result: dict[tuple[str, str], list[tuple[dt.date, dict[str, str]]]] = {}
    for r in rows:
        result.setdefault((r.brand_id, r.content_type), []).append(
            (utc(r.slot_at).date(), tag_options(r))
        )
    return result
