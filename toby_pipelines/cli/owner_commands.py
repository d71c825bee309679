"""Commands for a user's Toby: on and off, status, reset, settings, and what it did and learned
(activity, published, experiments, insights), each as text or, with --json, as the control
API's data."""

from __future__ import annotations

import argparse

from toby_pipelines.cli import text
from toby_pipelines.cli.common import database, now, print_json
from toby_pipelines.cli.dagster_health import dagster_warnings
from toby_pipelines.content.content_dna import InvalidContentDNA, validate_content_dna
from toby_pipelines.control import views
from toby_pipelines.storage.activity import recent_activity
from toby_pipelines.storage.baselines import active_drift_ratios
from toby_pipelines.storage.brands import list_brands, slot_times_by_brand
from toby_pipelines.storage.capture_failures import capture_failure_counts
from toby_pipelines.storage.incidents import open_conditions, recent_incidents
from toby_pipelines.storage.owner_views import activity_page, published_posts
from toby_pipelines.storage.platform_state import blocked_accounts
from toby_pipelines.storage.toby_state import (
    disable_toby,
    enable_toby,
    require_user,
    reset_learning,
    toby_settings,
)
from toby_pipelines.storage.unit_failures import open_unit_failures


def cmd_enable(args: argparse.Namespace) -> int:
    with database(args).transaction() as connection:
        enable_toby(connection, args.user, now())
    print(f"Toby is ON for {args.user}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    with database(args).transaction() as connection:
        disable_toby(connection, args.user, now())
    print(f"Toby is OFF for {args.user} (analysis continues)")
    return 0


def status_report(connection, user_id: str, activity_lines: int) -> dict | None:
    """Everything `toby status` says, as data; None when Toby was never enabled for the user."""
    settings = toby_settings(connection, [user_id])
    if not settings:
        return None
    state = settings[0]
    brands = list_brands(connection, [user_id])
    times = slot_times_by_brand(connection)
    drift = active_drift_ratios(connection, now().date())
    blocked = blocked_accounts(connection)
    captures = capture_failure_counts(connection, [b.id for b in brands])
    warnings = dagster_warnings()
    described = []
    for brand in brands:
        problems = []
        if not any(times.get(brand.id, {}).values()):
            problems.append(
                f"{brand.id} has no posting slots: Toby plans nothing for it (set some with"
                f" `toby brand-edit {brand.id} --reel-times 08:00,...`)"
            )
        try:
            validate_content_dna(brand.id, brand.dna)
        except InvalidContentDNA as error:
            problems.append(f"{error} (fix it with `toby brand-edit {brand.id} --dna FILE`)")
        warnings += problems
        retrying, missing = captures.get(brand.id, (0, 0))
        described.append(
            {
                "id": brand.id,
                "name": brand.name,
                "handle": brand.account_handle,
                "followers": brand.followers,
                "drift_overrides": {ct: r for (b, ct), r in drift.items() if b == brand.id},
                "needs_reauthorization": blocked.get((brand.id, brand.platform or "instagram")),
                "captures_retrying": retrying,
                "captures_missing": missing,
            }
        )
    return {
        "user": state.user_id,
        "enabled": state.enabled,
        "phase": state.phase,
        "buffer_days": state.buffer_days,
        "explore_ratio": state.explore_ratio,
        "features": dict(state.features),
        "brands": described,
        "warnings": warnings,
        "failing": [
            {
                "stage": f.stage,
                "unit": f.unit,
                "partition": f.partition_key,
                "attempts": f.attempts,
                "reason": f.reason,
            }
            for f in open_unit_failures(connection, user_id)
        ],
        "open_incidents": [
            {"subject": subject, "condition": condition, "state": s, "since": since}
            for subject, condition, s, since in open_conditions(connection, user_id)
        ],
        "recent_incidents": [
            {"at": i.created_at, "severity": i.severity, "description": i.description}
            for i in recent_incidents(connection, user_id, limit=5)
        ],
        "recent_activity": [
            {"at": row.created_at, "level": row.level, "description": row.description}
            for row in recent_activity(connection, user_id, limit=activity_lines)
        ],
    }


def cmd_status(args: argparse.Namespace) -> int:
    with database(args).engine.connect() as connection:
        require_user(connection, args.user)
        report = status_report(connection, args.user, args.activity)
    if args.json:
        print_json(report or {"user": args.user, "enabled": None})
        return 0
    if report is None:
        print(f"Toby has never been enabled for {args.user}")
        return 0
    _print_status(report)
    return 0


def _print_status(report: dict) -> None:
    print(f"user: {report['user']}\nstatus: {'ON' if report['enabled'] else 'OFF'}")
    print(f"phase: {report['phase']}\nbuffer_days: {report['buffer_days']}")
    print(f"explore_ratio: {report['explore_ratio']:.2f} (setting)")
    off = [name for name, on in report["features"].items() if not on]
    print(f"features: {'all on' if not off else 'off: ' + ', '.join(off)}")
    for warning in report["warnings"]:
        print(f"warning: {warning}")
    for brand in report["brands"]:
        drift = brand["drift_overrides"]
        note = f" drift override {drift}" if drift else ""
        print(f"brand: {brand['name']} (@{brand['handle']}, {brand['followers']} followers){note}")
        if brand["needs_reauthorization"]:
            print(
                f"  needs re-authorization ({brand['needs_reauthorization']}):"
                f" toby account-link {brand['id']} --token-stdin"
            )
        if brand["captures_retrying"] or brand["captures_missing"]:
            print(
                f"  metric captures: {brand['captures_retrying']} retrying,"
                f" {brand['captures_missing']} missing"
            )
    for f in report["failing"]:
        print(
            f"failing: {f['stage']} for {f['unit']} ({f['partition'] or 'tick'},"
            f" {f['attempts']} attempt(s), retried automatically): {f['reason']}"
        )
    for i in report["open_incidents"]:
        print(
            f"open incident: {i['subject']} {i['condition']} {i['state']}"
            f" since {i['since']:%Y-%m-%d %H:%M}"
        )
    if report["recent_incidents"]:
        print("recent incidents:")
    for i in report["recent_incidents"]:
        print(f"  {i['at']:%Y-%m-%d %H:%M} [{i['severity']}] {i['description']}")
    if report["recent_activity"]:
        print("recent activity:")
    for row in report["recent_activity"]:
        print(f"  {row['at']:%Y-%m-%d %H:%M} [{row['level']}] {row['description']}")


def cmd_reset(args: argparse.Namespace) -> int:
    if not args.yes:
        raise ValueError(
            "reset forgets what Toby learned for this user (experiments, posteriors, phase);"
            " published posts and scores stay. Add --yes to do it"
        )
    with database(args).transaction() as connection:
        cleared = reset_learning(connection, args.user, now())
    print(
        f"Toby reset for {args.user}: {cleared['experiments']} experiment(s) and"
        f" {cleared['posteriors']} posterior(s) cleared; learning starts again today"
    )
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    changes: dict = {}
    if args.buffer_days is not None:
        changes["buffer_days"] = args.buffer_days
    if args.explore_ratio is not None:
        changes["explore_ratio"] = args.explore_ratio
    if args.daily_budget_usd is not None and args.no_budget_limit:
        raise ValueError("give --daily-budget-usd or --no-budget-limit, not both")
    if args.daily_budget_usd is not None:
        changes["daily_budget_usd"] = args.daily_budget_usd
    if args.no_budget_limit:
        changes["daily_budget_usd"] = None
    if args.review_mode is not None:
        changes["review_mode"] = args.review_mode
    features = {name: True for name in args.enable_feature}
    features.update({name: False for name in args.disable_feature})
    if features:
        changes["features"] = features
    with database(args).transaction() as connection:
        require_user(connection, args.user)
        config = (
            views.change_config(connection, args.user, changes, now())
            if changes
            else views.config_view(connection, args.user)
        )
    print_json(config) if args.json else print(text.config(config))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """activity, published, experiments, insights: the control API's answer, as text or JSON."""
    with database(args).engine.connect() as connection:
        require_user(connection, args.user)
        if args.command == "activity":
            lines, total = activity_page(connection, args.user, args.limit, 0)
            data: dict = {"total": total, "items": lines}
        elif args.command == "published":
            posts, total = published_posts(connection, args.user, args.limit, 0)
            data = {"total": total, "items": views.with_badges(connection, args.user, posts)}
        elif args.command == "experiments":
            data = {"experiments": views.experiments_of(connection, args.user)}
        else:
            data = views.insights_view(connection, args.user)
    if args.json:
        print_json(data)
    else:
        print(getattr(text, args.command)(data))
    return 0
