"""`toby simulate`: a scenario's users and brands, through the real Dagster assets, over
simulated days, against the simulated platform with a pluggable audience."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import dagster as dg

from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.platforms.audiences import load_audience
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.media import MediaResource
from toby_pipelines.resources.platform import DEFAULT_AUDIENCE, SimulatedPlatformResource
from toby_pipelines.simulation.driver import SimulationDriver, event_times, with_clock
from toby_pipelines.simulation.progress import ProgressBar
from toby_pipelines.simulation.scenario import Scenario, create_users, join_brands, parse_scenario
from toby_pipelines.simulation.simulation_report import build_simulation_report

MEASUREMENT_TAIL_DAYS = 7


def checked_inputs(scenario_path: Path, days: int, audience: str) -> Scenario:
    """The scenario, once days, scenario and audience are all known good: what the command
    checks before it touches any database."""
    if days < 1:
        raise ValueError(f"--days must be at least 1, got {days}")
    try:
        data = json.loads(scenario_path.read_text())
    except (FileNotFoundError, IsADirectoryError):
        raise ValueError(f"--scenario {scenario_path}: no such file") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"--scenario {scenario_path}: not valid JSON ({error})") from None
    scenario = parse_scenario(data, days)
    try:
        load_audience(audience)
    except ValueError as error:
        raise ValueError(f"--audience: {error}") from None
    return scenario


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
    scenario = checked_inputs(scenario_path, days, audience)
    started = time.monotonic()
    total_days = days + MEASUREMENT_TAIL_DAYS
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=total_days)
    database = TobyDatabaseResource(url=database_url)
    platform = SimulatedPlatformResource(database=database, audience=audience, seed=seed)
    # A learning simulation: rendering every post's media would only cost time.
    base = default_resources(
        database=database, platform=platform, media=MediaResource(render=False)
    )
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
