"""The `toby` command line: set up users and brands, turn Toby on and off, see its status, demo."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import sqlalchemy as sa

from toby_pipelines.content.content_dna import InvalidContentDNA
from toby_pipelines.control import views
from toby_pipelines.credentials.cipher import KEY_VARIABLE, new_key
from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.credentials.store import open_store
from toby_pipelines.features import FEATURES
from toby_pipelines.resources.live_platforms import LIVE_PLATFORMS
from toby_pipelines.storage.activity import recent_activity
from toby_pipelines.storage.api_tokens import create_api_token, revoke_api_tokens
from toby_pipelines.storage.baselines import active_drift_ratios
from toby_pipelines.storage.brands import (
    create_brand,
    create_user,
    list_brands,
    owner_of,
    set_slot_times,
    upsert_platform_account,
)
from toby_pipelines.storage.capture_failures import capture_failure_counts
from toby_pipelines.storage.database import DEFAULT_DATA_DIR, Database, default_database_url
from toby_pipelines.storage.discovery import add_target
from toby_pipelines.storage.incidents import open_conditions, recent_incidents, record_transition
from toby_pipelines.storage.owner_views import activity_page, published_posts
from toby_pipelines.storage.platform_state import blocked_accounts, set_external_id
from toby_pipelines.storage.toby_state import (
    UnknownUser,
    disable_toby,
    enable_toby,
    require_user,
    reset_learning,
    toby_settings,
)
from toby_pipelines.storage.unit_failures import open_unit_failures


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CannotOpenDatabase(ValueError):
    pass


def _database(args: argparse.Namespace) -> Database:
    url = args.database_url or default_database_url()
    try:
        database = Database(url)
        database.migrate()
    except (sa.exc.ArgumentError, sa.exc.OperationalError, sa.exc.NoSuchModuleError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise CannotOpenDatabase(
            f"cannot open the database {_without_password(url)}: {scrub(reason)}"
        ) from error
    return database


def _without_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return repr(url)


def _content_dna(path: str) -> dict:
    """The Content DNA file as a JSON object, or an error that names the file and what is wrong."""
    try:
        text = Path(path).read_text()
    except IsADirectoryError:
        raise ValueError(f"Content DNA file {path} is a directory, not a JSON file") from None
    except FileNotFoundError:
        raise ValueError(f"Content DNA file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"Content DNA file {path} cannot be read: {error}") from None
    try:
        dna = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"Content DNA file {path} is not valid JSON: {error}") from None
    if not isinstance(dna, dict):
        raise ValueError(
            f"Content DNA file {path} must hold a JSON object (niche, tone, topic_buckets,"
            f" content_examples), got a {type(dna).__name__}"
        )
    return dna


def cmd_user_add(args: argparse.Namespace) -> int:
    with _database(args).transaction() as connection:
        create_user(
            connection, user_id=args.user, email=args.email, name=args.name or args.user, now=_now()
        )
    print(f"user {args.user} created")
    return 0


def cmd_brand_add(args: argparse.Namespace) -> int:
    dna = _content_dna(args.dna)
    if args.followers < 0:
        raise ValueError(f"--followers must be 0 or more, got {args.followers}")
    with _database(args).transaction() as connection:
        create_brand(
            connection,
            brand_id=args.brand,
            user_id=args.user,
            name=args.name or args.brand,
            dna=dna,
            now=_now(),
        )
        set_slot_times(
            connection, args.brand, "reel", args.reel_times.split(",") if args.reel_times else []
        )
        set_slot_times(
            connection,
            args.brand,
            "carousel",
            args.carousel_times.split(",") if args.carousel_times else [],
        )
        upsert_platform_account(
            connection,
            brand_id=args.brand,
            platform=args.platform,
            handle=args.handle,
            followers=args.followers,
            now=_now(),
        )
    print(f"brand {args.brand} added for {args.user}")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    with _database(args).transaction() as connection:
        enable_toby(connection, args.user, _now())
    print(f"Toby is ON for {args.user}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    with _database(args).transaction() as connection:
        disable_toby(connection, args.user, _now())
    print(f"Toby is OFF for {args.user} (analysis continues)")
    return 0


def _known_brand(connection, brand_id: str) -> None:
    if brand_id not in {b.id for b in list_brands(connection)}:
        raise ValueError(f"brand: no brand {brand_id!r}; add it with `toby brand-add`")


def cmd_account_link(args: argparse.Namespace) -> int:
    """Record the platform's id of a brand's account and, with --token-stdin, its tokens
    (encrypted at rest); this is also what clears a re-authorization flag."""
    access, refresh = _tokens_from_stdin() if args.token_stdin else (None, None)
    if args.expires_in is not None and args.expires_in <= 0:
        raise ValueError(
            f"--expires-in must be a positive number of seconds, got {args.expires_in}"
        )
    database = _database(args)
    store = open_store(database) if access else None
    now = _now()
    with database.transaction() as connection:
        _known_brand(connection, args.brand)
        if not set_external_id(connection, args.brand, args.platform, args.account_id):
            raise ValueError(
                f"--platform: brand {args.brand!r} has no {args.platform} account; add it with"
                " `toby brand-add --platform`"
            )
        record_transition(
            connection,
            subject=f"brand:{args.brand}:{args.platform}",
            condition="account",
            state="ok",
            severity="info",
            description=f"{args.platform.capitalize()} account of brand {args.brand} linked",
            now=now,
            user_id=owner_of(connection, args.brand),
        )
    if store is not None and access is not None:
        store.link(args.brand, args.platform, access, refresh, args.expires_in)
    stored = " with its token (encrypted)" if access else ""
    print(f"{args.brand}: {args.platform} account {args.account_id} linked{stored}")
    return 0


def _tokens_from_stdin() -> tuple[str, str | None]:
    """Line 1: the access token; line 2 (optional): the refresh token. Never an argument, so a
    token never lands in the shell history or the process list."""
    lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    if not lines:
        raise ValueError("--token-stdin: standard input holds no token (line 1: access token)")
    if len(lines) > 2:
        raise ValueError(
            f"--token-stdin: expected 1 or 2 lines (access token, refresh token), got {len(lines)}"
        )
    return lines[0], lines[1] if len(lines) == 2 else None


def cmd_secret_key(args: argparse.Namespace) -> int:
    print(new_key())
    return 0


def cmd_secret_rotate(args: argparse.Namespace) -> int:
    """Re-encrypt every stored token with the first key of TOBY_SECRET_KEY."""
    count = open_store(_database(args)).rotate_keys()
    print(f"re-encrypted {count} stored credential(s) with the first key of {KEY_VARIABLE}")
    return 0


def cmd_discovery_add(args: argparse.Namespace) -> int:
    if not args.competitor and not args.hashtag:
        raise ValueError("discovery-add: give at least one --competitor or --hashtag")
    with _database(args).transaction() as connection:
        _known_brand(connection, args.brand)
        for name in args.competitor:
            add_target(connection, args.brand, "competitor", name)
        for tag in args.hashtag:
            add_target(connection, args.brand, "hashtag", tag)
    print(
        f"{args.brand}: watching {len(args.competitor)} competitor(s), {len(args.hashtag)} hashtag(s)"
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    database = _database(args)
    with database.engine.connect() as connection:
        settings = toby_settings(connection, [args.user])
        brands = list_brands(connection, [args.user])
        drift = active_drift_ratios(connection, _now().date())
        activity = recent_activity(connection, args.user, limit=args.activity)
        blocked = blocked_accounts(connection)
        failing = open_unit_failures(connection, args.user)
        conditions = open_conditions(connection, args.user)
        incidents = recent_incidents(connection, args.user, limit=5)
        captures = capture_failure_counts(connection, [b.id for b in brands])
    if not settings:
        print(f"Toby has never been enabled for {args.user}")
        return 0
    state = settings[0]
    print(
        f"user: {state.user_id}\nstatus: {'ON' if state.enabled else 'OFF'}\nphase: {state.phase}"
    )
    print(f"buffer_days: {state.buffer_days}\nexplore_ratio: {state.explore_ratio:.2f} (setting)")
    off = [name for name, on in state.features.items() if not on]
    print(f"features: {'all on' if not off else 'off: ' + ', '.join(off)}")
    for brand in brands:
        overrides = {ct: r for (b, ct), r in drift.items() if b == brand.id}
        note = f" drift override {overrides}" if overrides else ""
        print(f"brand: {brand.name} (@{brand.account_handle}, {brand.followers} followers){note}")
        why = blocked.get((brand.id, brand.platform or "instagram"))
        if why:
            print(f"  needs re-authorization ({why}): toby account-link {brand.id} --token-stdin")
        retrying, missing = captures.get(brand.id, (0, 0))
        if retrying or missing:
            print(f"  metric captures: {retrying} retrying, {missing} missing")
    for failure in failing:
        print(
            f"failing: {failure.stage} for {failure.unit} ({failure.partition_key or 'tick'},"
            f" {failure.attempts} attempt(s), retried automatically): {failure.reason}"
        )
    for subject, condition, state, since in conditions:
        print(f"open incident: {subject} {condition} {state} since {since:%Y-%m-%d %H:%M}")
    if incidents:
        print("recent incidents:")
    for incident in incidents:
        print(
            f"  {incident.created_at:%Y-%m-%d %H:%M} [{incident.severity}] {incident.description}"
        )
    if activity:
        print("recent activity:")
    for row in activity:
        print(f"  {row.created_at:%Y-%m-%d %H:%M} [{row.level}] {row.description}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    if not args.yes:
        raise ValueError(
            "reset forgets what Toby learned for this user (experiments, posteriors, phase);"
            " published posts and scores stay. Add --yes to do it"
        )
    with _database(args).transaction() as connection:
        cleared = reset_learning(connection, args.user, _now())
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
    features = {}
    for name in args.enable_feature:
        features[name] = True
    for name in args.disable_feature:
        features[name] = False
    if features:
        changes["features"] = features
    with _database(args).transaction() as connection:
        require_user(connection, args.user)
        config = (
            views.change_config(connection, args.user, changes, _now())
            if changes
            else views.config_view(connection, args.user)
        )
    print(json.dumps(config, indent=2, sort_keys=True))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """activity, published, experiments, insights: the control API's answer, as JSON."""
    with _database(args).engine.connect() as connection:
        require_user(connection, args.user)
        if args.command == "activity":
            lines, total = activity_page(connection, args.user, args.limit, 0)
            data: object = {"total": total, "items": lines}
        elif args.command == "published":
            posts, total = published_posts(connection, args.user, args.limit, 0)
            data = {"total": total, "items": views.with_badges(connection, args.user, posts)}
        elif args.command == "experiments":
            data = {"experiments": views.experiments_of(connection, args.user)}
        else:
            data = views.insights_view(connection, args.user)
    print(json.dumps(data, indent=2, sort_keys=True, default=str))
    return 0


def cmd_api_token(args: argparse.Namespace) -> int:
    with _database(args).transaction() as connection:
        if args.action == "revoke":
            count = revoke_api_tokens(connection, args.user, _now())
            print(f"revoked {count} token(s) of {args.user}")
            return 0
        token = create_api_token(connection, args.user, _now())
    print(token)
    print(
        f"(the API token of {args.user}; shown once, only its hash is stored. Send it as"
        " `Authorization: Bearer <token>`.)",
        file=sys.stderr,
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from toby_pipelines.control.app import create_app

    app = create_app(_database(args))
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
    with _database(args).engine.connect() as connection:
        brands = list_brands(connection, [args.user])
        if not brands:
            raise UnknownUser(f"no brands for user {args.user!r}")
        since = _now().date() - dt.timedelta(days=args.days)
        posts, unrecorded = logged_posts(connection, args.user, since)
    if not posts:
        print(f"no posts of {args.user} with a final score and a planning record since {since}")
        return 0
    print(render(evaluate(posts, policies), {b.id: b.name for b in brands}))
    if unrecorded:
        print(f"({unrecorded} older post(s) planned before choices were recorded: left out)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from toby_pipelines.simulation.demo import fresh_sqlite_url, run_demo

    url = args.database_url or fresh_sqlite_url(DEFAULT_DATA_DIR / "demo.db")
    run_demo(
        url,
        days=args.days,
        report_path=Path(args.report),
        seed=args.seed,
        render_all=args.render_all,
    )
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from toby_pipelines.simulation.demo import fresh_sqlite_url
    from toby_pipelines.simulation.simulate import run_simulation

    url = args.database_url or fresh_sqlite_url(DEFAULT_DATA_DIR / "simulation.db")
    report = run_simulation(
        url,
        Path(args.scenario),
        days=args.days,
        seed=args.seed,
        audience=args.audience,
        report_path=Path(args.report),
    )
    scored = [p for p in report["posts"] if p["score_7d"] is not None]
    print(
        f"simulated {args.days} day(s): {len(report['posts'])} posts, {len(scored)} with a final"
        f" score, {report['runs']} Dagster runs in {report['elapsed_seconds']} s;"
        f" report written to {args.report}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toby", description="Toby, the autonomous content agent.")
    parser.add_argument("--database-url", help="defaults to TOBY_DATABASE_URL, else data/toby.db")
    sub = parser.add_subparsers(dest="command", required=True)

    user = sub.add_parser("user-add", help="create a user")
    user.add_argument("user")
    user.add_argument("--email", required=True)
    user.add_argument("--name")
    user.set_defaults(run=cmd_user_add)

    brand = sub.add_parser("brand-add", help="add a brand with its Content DNA (JSON file)")
    brand.add_argument("brand")
    brand.add_argument("--user", required=True)
    brand.add_argument("--name")
    brand.add_argument(
        "--dna", required=True, help="JSON: niche, tone, topic_buckets, content_examples"
    )
    brand.add_argument("--handle", required=True)
    brand.add_argument("--platform", default="instagram", choices=list(LIVE_PLATFORMS))
    brand.add_argument("--followers", type=int, default=0)
    brand.add_argument("--reel-times", default="08:00,12:00,16:00,20:00", help="HH:MM,... UTC")
    brand.add_argument("--carousel-times", default="10:00,18:00", help="HH:MM,... UTC")
    brand.set_defaults(run=cmd_brand_add)

    for name, func, text in (
        ("enable", cmd_enable, "turn Toby on"),
        ("disable", cmd_disable, "turn Toby off"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("user")
        command.set_defaults(run=func)

    link = sub.add_parser(
        "account-link",
        help="link a brand's account on a live platform, and store its token",
        allow_abbrev=False,  # `--token X` must not pass for --token-stdin
    )
    link.add_argument("brand")
    link.add_argument("--platform", default="instagram", choices=["instagram", "x"])
    link.add_argument("--account-id", required=True, help="Instagram user id or X user id")
    link.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the access token (line 1) and optional refresh token (line 2) from stdin",
    )
    link.add_argument(
        "--expires-in", type=float, help="seconds until the access token expires, if known"
    )
    link.set_defaults(run=cmd_account_link)

    key = sub.add_parser("secret-key", help="print a new key for TOBY_SECRET_KEY")
    key.set_defaults(run=cmd_secret_key)
    rotate = sub.add_parser(
        "secret-rotate", help="re-encrypt stored tokens with the first key of TOBY_SECRET_KEY"
    )
    rotate.set_defaults(run=cmd_secret_rotate)

    watch = sub.add_parser("discovery-add", help="watch competitors and hashtags for a brand")
    watch.add_argument("brand")
    watch.add_argument("--competitor", action="append", default=[], help="@username, repeatable")
    watch.add_argument("--hashtag", action="append", default=[], help="#tag, repeatable")
    watch.set_defaults(run=cmd_discovery_add)

    status = sub.add_parser("status", help="show Toby's state and recent activity for a user")
    status.add_argument("user")
    status.add_argument("--activity", type=int, default=10, help="how many activity lines")
    status.set_defaults(run=cmd_status)

    reset = sub.add_parser("reset", help="forget what Toby learned for a user (keeps posts)")
    reset.add_argument("user")
    reset.add_argument("--yes", action="store_true", help="really reset")
    reset.set_defaults(run=cmd_reset)

    settings = sub.add_parser("settings", help="show or change a user's Toby settings")
    settings.add_argument("user")
    settings.add_argument("--buffer-days", type=int)
    settings.add_argument("--explore-ratio", type=float)
    settings.add_argument(
        "--enable-feature", action="append", default=[], choices=list(FEATURES), metavar="FLAG"
    )
    settings.add_argument(
        "--disable-feature", action="append", default=[], choices=list(FEATURES), metavar="FLAG"
    )
    settings.set_defaults(run=cmd_settings)

    for name, text in (
        ("activity", "what Toby did, newest first (JSON)"),
        ("published", "published posts with scores and badges (JSON)"),
        ("experiments", "experiments with their results (JSON)"),
        ("insights", "each dimension's options, best first (JSON)"),
    ):
        show = sub.add_parser(name, help=text)
        show.add_argument("user")
        show.add_argument("--limit", type=int, default=20, help="lines or posts (default 20)")
        show.set_defaults(run=cmd_show)

    tokens = sub.add_parser("api-token", help="make (print once) or revoke a user's API tokens")
    tokens.add_argument("action", choices=["create", "revoke"])
    tokens.add_argument("user")
    tokens.set_defaults(run=cmd_api_token)

    serve = sub.add_parser("serve", help="serve the control API (and dashboard) for owners")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=cmd_serve)

    evaluation = sub.add_parser(
        "evaluate",
        help="estimate what another policy would have scored on a user's logged posts",
    )
    evaluation.add_argument("user")
    evaluation.add_argument(
        "--policy",
        action="append",
        required=True,
        help="uniform, plain-ts, seed-70-30 or always:DIMENSION=OPTION (repeatable)",
    )
    evaluation.add_argument("--days", type=int, default=90, help="posts slotted in the last N days")
    evaluation.set_defaults(run=cmd_evaluate)

    demo = sub.add_parser("demo", help="simulate 30 days of a demo user (fresh data/demo.db)")
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--report", default="demo-report.json")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument(
        "--render-all",
        action="store_true",
        help="render every post's media (default: only the posts due on the last day)",
    )
    demo.set_defaults(run=cmd_demo)

    simulate = sub.add_parser(
        "simulate", help="run a scenario through the real assets (fresh data/simulation.db)"
    )
    simulate.add_argument("--scenario", required=True, help="scenario JSON (see examples/)")
    simulate.add_argument(
        "--audience",
        default="toby_pipelines.platforms.audiences:health_audience",
        help="package.module:function returning a post's final metrics",
    )
    simulate.add_argument("--days", type=int, default=14)
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--report", default="simulation-report.json")
    simulate.set_defaults(run=cmd_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (InvalidContentDNA, UnknownUser, ValueError, FileNotFoundError) as error:
        print(f"toby: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
