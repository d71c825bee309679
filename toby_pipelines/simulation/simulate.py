"""`toby simulate`: a scenario's users and brands, through the real Dagster assets, over
simulated days, against the simulated platform with a pluggable audience."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.loop.learn import brand_profile
from toby_pipelines.platforms.audiences import load_audience
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import DEFAULT_AUDIENCE, SimulatedPlatformResource
from toby_pipelines.simulation.driver import SimulationDriver, event_times, with_clock
from toby_pipelines.simulation.progress import ProgressBar
from toby_pipelines.simulation.scenario import create_users, join_brands, parse_scenario
from toby_pipelines.storage.brands import list_brands, option_pool_overrides
from toby_pipelines.storage.database import Database, load_json, utc
from toby_pipelines.storage.posts import tag_options

MEASUREMENT_TAIL_DAYS = 7
METRICS = ("views", "reach", "likes", "comments", "saves", "shares", "follows")


def run_simulation(
    database_url: str,
    scenario_path: Path,
    days: int,
    seed: int = 0,
    audience: str = DEFAULT_AUDIENCE,
    report_path: Path | None = None,
) -> dict[str, Any]:
    """Simulate `days` publishing days (plus 7 for the last posts' final scores) ending at
    today's midnight UTC, and return (and write) the report."""
    if days < 1:
        raise ValueError(f"--days must be at least 1, got {days}")
    try:
        data = json.loads(scenario_path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"--scenario {scenario_path}: not valid JSON ({error})") from None
    scenario = parse_scenario(data, days)
    load_audience(audience)  # fail before any work when the audience cannot be imported
    started = time.monotonic()
    total_days = days + MEASUREMENT_TAIL_DAYS
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=total_days)
    database = TobyDatabaseResource(url=database_url)
    platform = SimulatedPlatformResource(database=database, audience=audience, seed=seed)
    base = default_resources(database=database, platform=platform)
    create_users(database.get(), scenario, start)
    driver = SimulationDriver(
        load_defs(), dg.DagsterInstance.ephemeral(), lambda at: with_clock(base, at)
    )
    progress = ProgressBar(total_days, "simulating")
    last = start
    for offset in range(total_days):
        day_start = start + dt.timedelta(days=offset)
        if offset < days and join_brands(
            database.get(), platform.get(), scenario, offset, day_start
        ):
            driver.tick(day_start)  # the 5-minute schedule fills the buffer right away
        for at in event_times(database, day_start, 1):
            driver.tick(at)
            last = at
        progress.update(offset + 1, f"day {offset + 1}/{total_days}")
    progress.close()
    report = build_simulation_report(database.get(), start, days)
    report.update(
        {
            "scenario": str(scenario_path),
            "audience": audience,
            "seed": seed,
            "runs": driver.runs,
            "elapsed_seconds": round(time.monotonic() - started, 1),
            "simulated_until": last.isoformat(),
        }
    )
    if report_path is not None:
        report_path.write_text(json.dumps(report, indent=2))
    return report


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
    metrics: dict[str, dict[str, dict[str, int]]] = {}
    for s in snapshots:
        metrics.setdefault(s.post_id, {})[s.checkpoint] = {m: int(getattr(s, m)) for m in METRICS}
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
    }
