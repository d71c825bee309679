"""Commands that run something: the owners' server, offline evaluation, the demo and
simulations. Every input is checked before a database is touched."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from toby_pipelines.cli.common import database, now
from toby_pipelines.simulation.interrupts import run_until_interrupted
from toby_pipelines.storage.brands import list_brands
from toby_pipelines.storage.database import DEFAULT_DATA_DIR
from toby_pipelines.storage.toby_state import UnknownUser


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from toby_pipelines.control.app import create_app

    app = create_app(database(args))
    print(f"Toby's control API on http://{args.host}:{args.port}/api/toby/ (docs: /api/toby/docs)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from toby_pipelines.evaluation.policies import parse_policy
    from toby_pipelines.evaluation.report import evaluate, render
    from toby_pipelines.storage.logged_choices import logged_posts
    from toby_pipelines.strategy.dimensions import DIMENSIONS

    policies = {text: parse_policy(text, DIMENSIONS) for text in args.policy}
    if args.days < 1:
        raise ValueError(f"--days must be at least 1, got {args.days}")
    with database(args).engine.connect() as connection:
        brands = list_brands(connection, [args.user])
        if not brands:
            raise UnknownUser(f"no brands for user {args.user!r}")
        since = now().date() - dt.timedelta(days=args.days)
        posts, unrecorded = logged_posts(connection, args.user, since)
    if not posts:
        print(f"no posts of {args.user} with a final score and a planning record since {since}")
        return 0
    print(render(evaluate(posts, policies), {b.id: b.name for b in brands}))
    if unrecorded:
        print(f"({unrecorded} older post(s) planned before choices were recorded: left out)")
    return 0


def _named_database(args: argparse.Namespace) -> str | None:
    """--database-url, else TOBY_DATABASE_URL; None: the command's own SQLite file."""
    return args.database_url or os.environ.get("TOBY_DATABASE_URL") or None


def cmd_demo(args: argparse.Namespace) -> int:
    from toby_pipelines.simulation.demo import check_demo_days, run_demo
    from toby_pipelines.simulation.run_database import checked_report_path, run_database_url

    check_demo_days(args.days)
    report = checked_report_path(Path(args.report))
    url = run_database_url(_named_database(args), DEFAULT_DATA_DIR / "demo.db", args.replace)
    run_until_interrupted(
        lambda: run_demo(
            url, days=args.days, report_path=report, seed=args.seed, render_all=args.render_all
        )
    )
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from toby_pipelines.simulation.run_database import checked_report_path, run_database_url
    from toby_pipelines.simulation.simulate import checked_inputs, run_simulation

    scenario = Path(args.scenario)
    checked_inputs(scenario, args.days, args.audience)
    report_path = checked_report_path(Path(args.report))
    url = run_database_url(_named_database(args), DEFAULT_DATA_DIR / "simulation.db", args.replace)
    report = run_until_interrupted(
        lambda: run_simulation(
            url,
            scenario,
            days=args.days,
            seed=args.seed,
            audience=args.audience,
            report_path=report_path,
        )
    )
    scored = [p for p in report["posts"] if p["score_7d"] is not None]
    print(
        f"simulated {args.days} day(s): {len(report['posts'])} posts, {len(scored)} with a final"
        f" score, {report['runs']} Dagster runs in {report['elapsed_seconds']} s;"
        f" report written to {args.report}"
    )
    return 0
