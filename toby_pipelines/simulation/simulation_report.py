"""The report of `toby simulate` (schema_version 1, documented in the README): every Toby post
with its choices, propensity, metrics and scores; the option pools; and where learning ended,
per option (posterior mean, 90% interval, probability of being best) and per experiment."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from toby_pipelines.loop.learn import brand_profile
from toby_pipelines.storage.brands import list_brands, option_pool_overrides
from toby_pipelines.storage.database import Database, as_date, load_json, utc
from toby_pipelines.storage.experiments import experiments_as_of
from toby_pipelines.storage.posts import tag_options

METRICS = ("views", "reach", "likes", "comments", "saves", "shares", "follows")


def build_simulation_report(database: Database, start: dt.datetime, days: int) -> dict[str, Any]:
    """Every Toby post with its choices, propensity, metrics and scores, and the option pools."""
    with database.engine.connect() as connection:
        brands = list_brands(connection)
        overrides = option_pool_overrides(connection)
        posts = connection.execute(
            sa.text(
                "SELECT p.id, p.user_id, p.brand_id, p.content_type, p.slot_at, p.published_at,"
                " p.status, t.personality, t.topic_bucket, t.hook_strategy, t.title_format,"
                " t.visual_style, t.is_experiment, t.experiment_dimension, t.propensity,"
                " t.option_propensities FROM scheduled_posts p JOIN toby_content_tags t"
                " ON t.post_id = p.id ORDER BY p.slot_at, p.brand_id, p.content_type"
            )
        ).all()
        snapshots = connection.execute(
            sa.text(
                "SELECT post_id, checkpoint, views, reach, likes, comments, saves, shares,"
                " follows FROM metrics_snapshots"
            )
        ).all()
        scores = connection.execute(
            sa.text("SELECT post_id, phase, toby_score, is_game_changer FROM post_scores")
        ).all()
        learning = _learning(connection)
    metrics: dict[str, dict[str, dict[str, int | None]]] = {}
    for s in snapshots:
        metrics.setdefault(s.post_id, {})[s.checkpoint] = {
            m: None if getattr(s, m) is None else int(getattr(s, m)) for m in METRICS
        }
    by_post: dict[str, dict[str, Any]] = {}
    for s in scores:
        entry = by_post.setdefault(s.post_id, {})
        entry[s.phase] = s.toby_score
        entry["game_changer"] = bool(entry.get("game_changer")) or bool(s.is_game_changer)
    report_posts = [
        {
            "post_id": p.id,
            "user_id": p.user_id,
            "brand_id": p.brand_id,
            "content_type": p.content_type,
            "options": tag_options(p),
            "is_experiment": bool(p.is_experiment),
            "experiment_dimension": p.experiment_dimension,
            "propensity": p.propensity,
            "option_propensities": load_json(p.option_propensities or "{}"),
            "slot_at": utc(p.slot_at).isoformat(),
            "published_at": utc(p.published_at).isoformat() if p.published_at else None,
            "status": p.status,
            "metrics": metrics.get(p.id, {}),
            "score_48h": by_post.get(p.id, {}).get("48h"),
            "score_7d": by_post.get(p.id, {}).get("7d"),
            "game_changer": by_post.get(p.id, {}).get("game_changer", False),
        }
        for p in posts
        if utc(p.slot_at) < start + dt.timedelta(days=days)
    ]
    pools = {b.id: brand_profile(b, overrides).pools for b in brands}
    return {
        "schema_version": 1,
        "start": start.isoformat(),
        "publishing_days": days,
        "posts": report_posts,
        "option_pools": {b: {ct: dict(p) for ct, p in v.items()} for b, v in pools.items()},
        **learning,
    }


def _learning(connection: sa.Connection) -> dict[str, Any]:
    """Where learning ended: every option's posterior on the last day learned, and every
    dimension's experiment as it stood then."""
    last = connection.execute(sa.text("SELECT MAX(as_of_date) FROM toby_strategy_scores")).scalar()
    if last is None:
        return {"posteriors_as_of": None, "posteriors": [], "experiments": []}
    day = as_date(last)
    rows = connection.execute(
        sa.text(
            "SELECT user_id, brand_id, content_type, dimension, option_value, post_mean,"
            " interval_low, interval_high, prob_best, sample_count, prior_source"
            " FROM toby_strategy_scores WHERE as_of_date = :day"
            " ORDER BY brand_id, content_type, dimension, post_mean DESC"
        ),
        {"day": day},
    ).all()
    experiments = experiments_as_of(connection, day)
    return {
        "posteriors_as_of": day.isoformat(),
        "posteriors": [
            {
                "user_id": r.user_id,
                "brand_id": r.brand_id,
                "content_type": r.content_type,
                "dimension": r.dimension,
                "option": r.option_value,
                "posterior_mean": r.post_mean,
                "interval_90": [r.interval_low, r.interval_high],
                "prob_best": r.prob_best,
                "posts": r.sample_count,
                "prior_source": r.prior_source,
            }
            for r in rows
        ],
        "experiments": [
            {
                "brand_id": e.brand_id,
                "content_type": e.content_type,
                "dimension": e.dimension,
                "status": e.status,
                "started_on": e.started_on.isoformat(),
                "completed_on": e.completed_on.isoformat() if e.completed_on else None,
                "winner": e.winner,
                "min_samples": e.min_samples,
                "results": {option: asdict(result) for option, result in e.results.items()},
            }
            for _, e in sorted(experiments.items())
        ],
    }
