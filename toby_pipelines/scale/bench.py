"""`make bench-scale BRANDS=... DAYS=... DATABASE=postgresql|sqlite`: one day of the real assets
on a database populated in bulk, with CPU seconds, wall seconds and peak memory per step.

Steps, each in a fresh child process of this one (its CPU and peak RSS are its own):
  template      the real loop for one brand over 9 simulated days (the rows every copy is made of)
  populate      BRANDS brands with DAYS days of history (COPY on PostgreSQL)
  chain         metrics_snapshots, scored_posts, brand_baselines, strategy_posteriors for the day
                after the history, at midnight after it, materialized as Dagster runs them
  first fill    the tick job when every buffer is empty: plans and writes 2 days of posts for
                every brand with the template generator (media rendering off: bench-media)
  steady tick   the tick job five minutes later: nothing to plan, nothing due
  slot fill     the tick job at 07:00, an hour before every brand's 08:00 reel: plans each
                brand's 08:00 reel two days on (ticks run every five minutes; the fill lead)
  slot publish  the tick job at 08:00, when every brand's reel is due, against a platform that
                answers each call in 300 ms (three calls per post) under per-account and per-app
                concurrency limits (latency_platform.py)
Then, at COMPARE_BRANDS brands, the chain is run again with the row-at-a-time approach of before
issue 11 (row_at_a_time.py) on the same data, and the ratio printed. The last line is JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

CHAIN = ("metrics_snapshots", "scored_posts", "brand_baselines", "strategy_posteriors")
DEFAULT_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/toby_scale"
TEMPLATE_START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
HISTORY_END = dt.date(2026, 6, 30)  # the last day of populated history
TARGETS = {
    "chain_cpu_s": 60.0,
    "steady_tick_wall_s": 5.0,
    "first_fill_wall_s": 120.0,
    "slot_publish_wall_s": 300.0,
    "peak_rss_mb": 2048.0,
}


def _measured_day() -> tuple[dt.date, dt.datetime]:
    """The day after the populated history, and the midnight that ends it (the ticks' day)."""
    day = HISTORY_END + dt.timedelta(days=1)
    return day, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _in_child(step: Callable[[], Any]) -> dict:
    """Run `step` in a forked child; its result with the child's CPU, wall and peak RSS."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def run() -> None:
        started = time.monotonic()
        try:
            result = step()
            error = None
        except BaseException as failure:  # reported by the parent, not swallowed
            result, error = None, f"{type(failure).__name__}: {failure}"
        usage = resource.getrusage(resource.RUSAGE_SELF)
        queue.put(
            {
                "result": result,
                "error": error,
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                "wall_s": round(time.monotonic() - started, 2),
                "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            }
        )

    child = context.Process(target=run)
    child.start()
    outcome = queue.get()
    child.join()
    if outcome["error"]:
        raise RuntimeError(outcome["error"])
    return outcome


def fresh_database(kind: str, directory: Path, name: str = "toby_scale") -> str:
    """An empty database for the benchmark: a new SQLite file or a recreated PostgreSQL one."""
    if kind == "sqlite":
        path = directory / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = sa.engine.make_url(DEFAULT_POSTGRES).set(database=name)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def _template_step(path: Path) -> Callable[[], str]:
    def step() -> str:
        from toby_pipelines.scale.template import build_template

        return build_template(path, TEMPLATE_START)

    return step


def _populate_step(url: str, template: Path, brands: int, days: int) -> Callable[[], dict]:
    def step() -> dict:
        from toby_pipelines.scale.populate import populate, read_template
        from toby_pipelines.simulation.progress import ProgressBar
        from toby_pipelines.storage.database import Database

        database = Database(url)
        database.migrate()
        bar = ProgressBar(days, "populating")
        summary = populate(
            database,
            read_template(template),
            brands=brands,
            days=days,
            end=HISTORY_END,
            progress=lambda done, total: bar.update(done, f"day {done}/{total}"),
        )
        bar.close()
        database.dispose()
        # The history's last day learned, as the day before the measured one was in production:
        # its change detectors are what the measured day goes on from (`carried_detectors`).
        end = dt.datetime.combine(HISTORY_END + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        learned = _asset_step(url, "strategy_posteriors", HISTORY_END, end)()
        return {
            "rows": summary.rows,
            "users": summary.users,
            "detectors": learned.get("strategy_posteriors.detectors_started_again", 0),
        }

    return step


def _resources(url: str, at: dt.datetime, *, slow: bool = False) -> dict:
    from toby_pipelines.defs.resources import default_resources
    from toby_pipelines.resources.clock import ClockResource
    from toby_pipelines.resources.content_generator import TemplateContentGeneratorResource
    from toby_pipelines.resources.database import TobyDatabaseResource
    from toby_pipelines.resources.media import MediaResource
    from toby_pipelines.resources.platform import SimulatedPlatformResource
    from toby_pipelines.scale.latency_platform import LatencyPlatformResource

    database = TobyDatabaseResource(url=url)
    platform = (
        LatencyPlatformResource(database=database)
        if slow
        else SimulatedPlatformResource(database=database)
    )
    return default_resources(
        database=database,
        platform=platform,
        clock=ClockResource(frozen_at=at.isoformat()),
        content_generator=TemplateContentGeneratorResource(),
        media=MediaResource(render=False),
    )


QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _asset_step(url: str, name: str, day: dt.date, at: dt.datetime) -> Callable[[], dict]:
    def step() -> dict:
        import dagster as dg

        from toby_pipelines.defs.baselines.assets import brand_baselines
        from toby_pipelines.defs.learning.assets import strategy_posteriors
        from toby_pipelines.defs.metrics.assets import metrics_snapshots
        from toby_pipelines.defs.scoring.assets import scored_posts

        assets = {
            "metrics_snapshots": metrics_snapshots,
            "scored_posts": scored_posts,
            "brand_baselines": brand_baselines,
            "strategy_posteriors": strategy_posteriors,
        }
        result = dg.materialize(
            [assets[name]],
            resources=_resources(url, at),
            instance=dg.DagsterInstance.ephemeral(),
            partition_key=day.isoformat(),
            run_config=QUIET,
        )
        return _metadata(result, name)

    return step


def _tick_step(url: str, at: dt.datetime, *, slow: bool = False) -> Callable[[], dict]:
    def step() -> dict:
        import dagster as dg

        from toby_pipelines.definitions import defs

        result = (
            defs()
            .resolve_job_def("toby_tick_job")
            .execute_in_process(
                resources=_resources(url, at, slow=slow),
                instance=dg.DagsterInstance.ephemeral(),
                run_config=QUIET,
            )
        )
        return {
            **_metadata(result, "content_buffer"),
            **_metadata(result, "published_posts"),
        }

    return step


def _metadata(result, name: str) -> dict:
    import dagster as dg

    found: dict[str, Any] = {}
    for materialization in result.asset_materializations_for_node(name):
        for key, value in materialization.metadata.items():
            if isinstance(value, dg.IntMetadataValue | dg.FloatMetadataValue):
                found[f"{name}.{key}"] = value.value
    return found


def _row_at_a_time_chain(url: str, day: dt.date, at: dt.datetime) -> Callable[[], dict]:
    def step() -> dict:
        from toby_pipelines.scale.row_at_a_time import row_at_a_time

        results = {}
        with row_at_a_time():
            for name in CHAIN:
                results[name] = _asset_step(url, name, day, at)()
        return results

    return step


def run(brands: int, days: int, kind: str, compare_brands: int, directory: Path) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    template = directory / "template.sqlite"
    day, midnight = _measured_day()
    steps: dict[str, dict] = {}

    def measure(label: str, step: Callable[[], Any]) -> dict:
        print(f"{label} ...", flush=True)
        outcome = _in_child(step)
        steps[label] = outcome
        print(
            f"{label:<24} cpu {outcome['cpu_s']:>8.2f} s  wall {outcome['wall_s']:>8.2f} s"
            f"  peak {outcome['peak_rss_mb']:>7.0f} MB",
            flush=True,
        )
        return outcome

    measure("template", _template_step(template))
    url = fresh_database(kind, directory)
    populated = measure("populate", _populate_step(url, template, brands, days))["result"]
    print(
        f"populated {brands} brands of {populated['users']} users, {days} days: "
        + ", ".join(f"{t} {n:,}" for t, n in populated["rows"].items())
        + f"; the last day learned, {populated['detectors']:,} change detectors started",
        flush=True,
    )
    for name in CHAIN:
        measure(name, _asset_step(url, name, day, midnight))
    tick_at = midnight + dt.timedelta(minutes=5)
    measure("first fill", _tick_step(url, tick_at))
    measure("steady tick", _tick_step(url, tick_at + dt.timedelta(minutes=5)))
    measure("slot fill", _tick_step(url, midnight + dt.timedelta(hours=7)))
    slot = measure("slot publish", _tick_step(url, midnight + dt.timedelta(hours=8), slow=True))

    chain_cpu = sum(steps[name]["cpu_s"] for name in CHAIN)
    chain_wall = sum(steps[name]["wall_s"] for name in CHAIN)
    figures: dict[str, Any] = {
        "brands": brands,
        "days": days,
        "database": kind,
        "users": populated["users"],
        "populate_wall_s": steps["populate"]["wall_s"],
        "chain_cpu_s": round(chain_cpu, 2),
        "chain_wall_s": round(chain_wall, 2),
        **{f"{name}_cpu_s": steps[name]["cpu_s"] for name in CHAIN},
        # Streams whose change detector went on from the day before (the production path).
        "detectors_carried": steps["strategy_posteriors"]["result"].get(
            "strategy_posteriors.detectors_carried", 0
        ),
        "first_fill_wall_s": steps["first fill"]["wall_s"],
        "first_fill_cpu_s": steps["first fill"]["cpu_s"],
        "steady_tick_wall_s": steps["steady tick"]["wall_s"],
        "slot_fill_wall_s": steps["slot fill"]["wall_s"],
        "slot_publish_wall_s": steps["slot publish"]["wall_s"],
        "slot_published": slot["result"].get("published_posts.published", 0),
        "peak_rss_mb": max(
            s["peak_rss_mb"] for label, s in steps.items() if label not in ("template", "populate")
        ),
    }
    if compare_brands:
        figures.update(_compare(compare_brands, days, kind, template, directory, day, midnight))
    print("targets (10,000 brands, 90 days, PostgreSQL): " + ", ".join(
        f"{k} <= {v:g}" for k, v in TARGETS.items()
    ))  # fmt: skip
    print(json.dumps(figures))
    return figures


def clear_first_fill(url: str, midnight: dt.datetime) -> int:
    """Undo the first fill of the day after the history: the posts planned for slots from
    `midnight` on (their tags go with them) and the activity logged since, then the tables
    vacuumed and analyzed, so the next fill meets them as the first one did. The posts removed."""
    from toby_pipelines.scale.populate import vacuum_and_analyze
    from toby_pipelines.storage.database import Database

    database = Database(url)  # its engine: with SQLite's foreign keys on, the tags go too
    try:
        with database.transaction() as connection:
            removed = connection.execute(
                sa.text("DELETE FROM scheduled_posts WHERE slot_at >= :m"), {"m": midnight}
            ).rowcount
            connection.execute(
                sa.text("DELETE FROM toby_activity_log WHERE created_at >= :m"), {"m": midnight}
            )
        vacuum_and_analyze(database)
    finally:
        database.dispose()
    return removed


def refill(kind: str, directory: Path, runs: int) -> dict:
    """The first fill again, `runs` times, on the database the last `run` populated: a code
    change to the fill measured on the same data (run it from each checkout in turn)."""
    _, midnight = _measured_day()
    url = _existing_database(kind, directory)
    fills = []
    for number in range(1, runs + 1):
        removed = clear_first_fill(url, midnight)
        outcome = _in_child(_tick_step(url, midnight + dt.timedelta(minutes=5)))
        generated = outcome["result"].get("content_buffer.generated_posts", 0)
        print(
            f"first fill {number}/{runs}: {generated:,} posts ({removed:,} removed first)"
            f"  cpu {outcome['cpu_s']:>7.2f} s  wall {outcome['wall_s']:>7.2f} s"
            f"  peak {outcome['peak_rss_mb']:>6.0f} MB",
            flush=True,
        )
        fills.append(
            {**{k: outcome[k] for k in ("cpu_s", "wall_s", "peak_rss_mb")}, "posts": generated}
        )
    figures = {"database": kind, "first_fills": fills}
    print(json.dumps(figures))
    return figures


def rechain(kind: str, directory: Path, runs: int) -> dict:
    """The day's chain again, `runs` times, on the database the last `run` populated (the
    partition re-run, as a backfill runs it): a code change to the chain measured on the same
    data (run it from each checkout in turn)."""
    url = _existing_database(kind, directory)
    chains = [run_chain(url, f"chain {number}/{runs}") for number in range(1, runs + 1)]
    figures = {"database": kind, "chains": chains}
    print(json.dumps(figures))
    return figures


def run_chain(url: str, label: str) -> dict:
    """The day's chain on the populated database at `url`, each step in a child process, its
    figures printed as it goes: CPU, wall and peak memory per step, and CPU and wall in all."""
    day, midnight = _measured_day()
    steps = {}
    for name in CHAIN:
        outcome = _in_child(_asset_step(url, name, day, midnight))
        steps[name] = {k: outcome[k] for k in ("cpu_s", "wall_s", "peak_rss_mb")}
        carried = outcome["result"].get(f"{name}.detectors_carried")
        print(
            f"{label} {name:<20} cpu {outcome['cpu_s']:>7.2f} s"
            f"  wall {outcome['wall_s']:>7.2f} s  peak {outcome['peak_rss_mb']:>6.0f} MB"
            + (f"  ({carried:,} change detectors carried)" if carried is not None else ""),
            flush=True,
        )
    chain = {
        "chain_cpu_s": round(sum(step["cpu_s"] for step in steps.values()), 2),
        "chain_wall_s": round(sum(step["wall_s"] for step in steps.values()), 2),
        "steps": steps,
    }
    print(
        f"{label}: cpu {chain['chain_cpu_s']:.2f} s  wall {chain['chain_wall_s']:.2f} s", flush=True
    )
    return chain


def retick(kind: str, directory: Path, runs: int) -> dict:
    """The steady tick again, `runs` times, on the database the last `run` populated and filled
    (ten minutes past midnight: every buffer full, nothing due): a code change to the tick
    measured on the same data (run it from each checkout in turn)."""
    _, midnight = _measured_day()
    url = _existing_database(kind, directory)
    ticks = []
    for number in range(1, runs + 1):
        outcome = _in_child(_tick_step(url, midnight + dt.timedelta(minutes=10)))
        made = outcome["result"].get("content_buffer.generated_posts", 0)
        sent = outcome["result"].get("published_posts.published", 0)
        if made or sent:
            raise SystemExit(
                f"not a steady tick: it generated {made} and published {sent} post(s);"
                " run `make bench-scale` first (it fills every buffer)"
            )
        print(
            f"steady tick {number}/{runs}: cpu {outcome['cpu_s']:>6.2f} s"
            f"  wall {outcome['wall_s']:>6.2f} s  peak {outcome['peak_rss_mb']:>6.0f} MB",
            flush=True,
        )
        ticks.append({k: outcome[k] for k in ("cpu_s", "wall_s", "peak_rss_mb")})
    figures = {"database": kind, "steady_ticks": ticks}
    print(json.dumps(figures))
    return figures


def _existing_database(kind: str, directory: Path) -> str:
    if kind == "sqlite":
        path = directory / "toby_scale.db"
        if not path.exists():
            raise SystemExit(f"no populated database at {path}; run the benchmark first")
        return f"sqlite:///{path}"
    url = sa.engine.make_url(DEFAULT_POSTGRES)
    admin = sa.create_engine(url.set(database="postgres"))
    try:
        with admin.connect() as connection:
            found = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).first()
    finally:
        admin.dispose()
    if found is None:
        raise SystemExit(f"no populated database {url.database!r}; run the benchmark first")
    return DEFAULT_POSTGRES


def _compare(brands, days, kind, template, directory, day, midnight) -> dict:
    """The chain today and row at a time, on the same small database."""
    url = fresh_database(kind, directory, name="toby_scale_compare")
    _in_child(_populate_step(url, template, brands, days))
    now_cpu = sum(_in_child(_asset_step(url, name, day, midnight))["cpu_s"] for name in CHAIN)
    url = fresh_database(kind, directory, name="toby_scale_compare")
    _in_child(_populate_step(url, template, brands, days))
    before = _in_child(_row_at_a_time_chain(url, day, midnight))
    ratio = before["cpu_s"] / now_cpu if now_cpu else float("nan")
    print(
        f"row at a time, {brands} brands: chain cpu {before['cpu_s']:.2f} s against"
        f" {now_cpu:.2f} s now: {ratio:.1f}x",
        flush=True,
    )
    return {
        "compare_brands": brands,
        "compare_chain_cpu_s": round(now_cpu, 2),
        "row_at_a_time_chain_cpu_s": before["cpu_s"],
        "row_at_a_time_ratio": round(ratio, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toby_pipelines.scale", description=__doc__)
    parser.add_argument("--brands", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--compare-brands",
        type=int,
        default=300,
        help="brands of the row-at-a-time comparison (0: skip it)",
    )
    parser.add_argument("--directory", type=Path, default=Path("data/scale"))
    parser.add_argument(
        "--refill",
        type=int,
        default=0,
        metavar="RUNS",
        help="only the first fill, RUNS times, on the database the last run populated",
    )
    parser.add_argument(
        "--rechain",
        type=int,
        default=0,
        metavar="RUNS",
        help="only the day's chain, RUNS times, on the database the last run populated",
    )
    parser.add_argument(
        "--retick",
        type=int,
        default=0,
        metavar="RUNS",
        help="only the steady tick, RUNS times, on the database the last run populated",
    )
    parser.add_argument(
        "--horizon",
        type=int,
        default=0,
        metavar="RUNS",
        help="populate BRANDS twice, with SHORT_DAYS and with DAYS of history, and run the"
        " chain on each in turn RUNS times (horizon.py)",
    )
    parser.add_argument("--short-days", type=int, default=30)
    args = parser.parse_args(argv)
    for name in ("refill", "rechain", "retick", "horizon"):
        if getattr(args, name) < 0:
            parser.error(f"--{name} must be at least 0, got {getattr(args, name)}")
    if args.refill:
        refill(args.database, args.directory, args.refill)
        return 0
    if args.rechain:
        rechain(args.database, args.directory, args.rechain)
        return 0
    if args.retick:
        retick(args.database, args.directory, args.retick)
        return 0
    for name in ("brands", "days"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.days < 8:
        parser.error(f"--days must be at least 8 (a post's 7-day checkpoint), got {args.days}")
    if args.horizon:
        from toby_pipelines.scale.horizon import horizon

        if not 8 <= args.short_days < args.days:
            parser.error(
                f"--short-days must be at least 8 and fewer than --days ({args.days}),"
                f" got {args.short_days}"
            )
        horizon(
            args.brands, args.short_days, args.days, args.database, args.directory, args.horizon
        )
        return 0
    run(args.brands, args.days, args.database, args.compare_brands, args.directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
