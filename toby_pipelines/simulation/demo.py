"""`toby demo`: a demo user with two health brands, 30 simulated days through the real assets."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import dagster as dg

from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.media import MediaResource
from toby_pipelines.resources.platform import SimulatedPlatformResource
from toby_pipelines.simulation.demo_report import build_report, format_report, posts_with_media
from toby_pipelines.simulation.demo_world import create_demo_world
from toby_pipelines.simulation.driver import SimulationDriver, event_times, with_clock
from toby_pipelines.simulation.progress import ProgressBar
from toby_pipelines.simulation.project_instance import copy_materializations, project_instance
from toby_pipelines.storage.database import data_dir

# Posts of the last publishing week reach their final (7-day) score this many days later.
MEASUREMENT_TAIL_DAYS = 7


def check_demo_days(days: int) -> None:
    if days < 7:
        raise ValueError(
            f"--days must be at least 7 to compare a first and a last week, got {days}"
        )


def run_demo(
    database_url: str,
    days: int = 30,
    report_path: Path | None = None,
    seed: int = 0,
    render_all: bool = False,
    media_root: Path | None = None,
) -> dict[str, Any]:
    """Simulate `days` publishing days (plus the 7 days their last posts need to be scored),
    ending at today's midnight UTC, and return the report. The media of every post due on the
    last simulated day are rendered into the embedded store (every post's with `render_all`).
    With DAGSTER_HOME set (as `make demo` sets it), the materializations are then copied to the
    project's instance, so `make dev` shows the demo's days (`project_instance`)."""
    check_demo_days(days)
    started = time.monotonic()
    total_days = days + MEASUREMENT_TAIL_DAYS
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=total_days)
    database = TobyDatabaseResource(url=database_url)
    last_day = start + dt.timedelta(days=total_days - 1)
    media_root = media_root or data_dir() / "media"
    media = MediaResource(
        root=str(media_root), render_from=None if render_all else last_day.isoformat()
    )
    base = default_resources(
        database=database,
        platform=SimulatedPlatformResource(database=database, seed=seed),
        media=media,
    )
    create_demo_world(database.get(), base["platform"].get(), start)

    definitions = load_defs()
    instance = dg.DagsterInstance.ephemeral()
    driver = SimulationDriver(definitions, instance, lambda at: with_clock(base, at))
    moments = list(event_times(database, start, total_days))
    progress = ProgressBar(len(moments), "simulating")
    for index, at in enumerate(moments, start=1):
        driver.tick(at)
        progress.update(index, f"day {(at - start).days + 1}/{total_days}")
    progress.close()

    project = project_instance()
    if project is not None:
        keys = definitions.resolve_all_asset_keys()
        copied = copy_materializations(instance, project, keys)
        print(f"{copied} materializations recorded in the project's Dagster instance (make dev)")
    report = build_report(database.get(), start, days, moments[-1])
    report["posts"] = posts_with_media(database.get(), media_root)
    report["runs"] = driver.runs
    report["elapsed_seconds"] = round(time.monotonic() - started, 1)
    print(format_report(report))
    if report_path is not None:
        report_path.write_text(json.dumps(report, indent=2))
        print(f"report written to {report_path}")
    return report
