"""The `toby` command line: set up users and brands, turn Toby on and off, see what it did and
learned, change its settings, serve the owners' dashboard, run the demo and simulations.

Bad input ends in one line naming the field and value (exit 2) with nothing written; Ctrl-C in
one line (exit 130)."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

from toby_pipelines.cli import owner_commands as owner
from toby_pipelines.cli import run_commands as run
from toby_pipelines.cli import setup_commands as setup
from toby_pipelines.content.content_dna import InvalidContentDNA
from toby_pipelines.features import FEATURES
from toby_pipelines.resources.live_platforms import LIVE_PLATFORMS
from toby_pipelines.storage.toby_state import UnknownUser

Formatter = argparse.ArgumentDefaultsHelpFormatter


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toby", description="Toby, the autonomous content agent.", formatter_class=Formatter
    )
    parser.add_argument("--version", action="version", version=f"toby {version('toby-pipelines')}")
    parser.add_argument(
        "--database-url",
        help="the database (e.g. postgresql://user@host/toby); default TOBY_DATABASE_URL, else"
        " data/toby.db",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, func, **options) -> argparse.ArgumentParser:
        made = sub.add_parser(
            name, help=help, description=help, formatter_class=Formatter, **options
        )
        made.set_defaults(run=func)
        return made

    def as_json(made: argparse.ArgumentParser) -> None:
        made.add_argument("--json", action="store_true", help="print the data as JSON")

    user = command("user-add", "create a user", setup.cmd_user_add)
    user.add_argument("user")
    user.add_argument("--email", required=True)
    user.add_argument("--name", help="shown name (default: the user id)")
    user_edit = command("user-edit", "change a user's email or name", setup.cmd_user_edit)
    user_edit.add_argument("user")
    user_edit.add_argument("--email")
    user_edit.add_argument("--name")
    as_json(command("users", "list users, whether Toby is on and their brands", setup.cmd_users))

    brand = command(
        "brand-add", "add a brand with its Content DNA (JSON file)", setup.cmd_brand_add
    )
    brand.add_argument("brand")
    brand.add_argument("--user", required=True)
    brand.add_argument("--name", help="shown name (default: the brand id)")
    brand.add_argument(
        "--dna", required=True, help="JSON: niche, tone, topic_buckets, content_examples"
        " (see examples/dna.json)"
    )  # fmt: skip
    brand.add_argument("--handle", required=True, help="the account's handle, without @")
    brand.add_argument(
        "--platform", default="instagram", choices=list(LIVE_PLATFORMS), help="where it posts"
    )
    brand.add_argument("--followers", type=int, default=0, help="followers today")
    brand.add_argument("--reel-times", default="08:00,12:00,16:00,20:00", help="HH:MM,... UTC")
    brand.add_argument("--carousel-times", default="10:00,18:00", help="HH:MM,... UTC")

    edit = command(
        "brand-edit", "change a brand's name, Content DNA or slot times", setup.cmd_brand_edit
    )
    edit.add_argument("brand")
    edit.add_argument("--name")
    edit.add_argument("--dna", help="a new Content DNA file (JSON)")
    edit.add_argument("--reel-times", help='HH:MM,... UTC ("" for no reels)')
    edit.add_argument("--carousel-times", help='HH:MM,... UTC ("" for no carousels)')

    remove = command(
        "brand-remove", "forget a brand and all Toby keeps of it", setup.cmd_brand_remove
    )
    remove.add_argument("brand")
    remove.add_argument("--yes", action="store_true", help="really remove it")

    brands = command("brands", "list brands with their accounts and slot times", setup.cmd_brands)
    brands.add_argument("--user", help="only this user's (default: everyone's)")
    as_json(brands)

    for name, func, text in (
        ("enable", owner.cmd_enable, "turn Toby on"),
        ("disable", owner.cmd_disable, "turn Toby off (analysis continues)"),
    ):
        command(name, text, func).add_argument("user")

    link = command(
        "account-link",
        "link a brand's account on a live platform, and store its token",
        setup.cmd_account_link,
        allow_abbrev=False,  # `--token X` must not pass for --token-stdin
    )
    link.add_argument("brand")
    link.add_argument(
        "--platform", default="instagram", choices=["instagram", "x"], help="which account"
    )
    link.add_argument("--account-id", required=True, help="Instagram user id or X user id")
    link.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the access token (line 1) and optional refresh token (line 2) from stdin",
    )
    link.add_argument(
        "--expires-in", type=float, help="seconds until the access token expires, if known"
    )

    command("secret-key", "print a new key for TOBY_SECRET_KEY", setup.cmd_secret_key)
    command(
        "secret-rotate",
        "re-encrypt stored tokens with the first key of TOBY_SECRET_KEY",
        setup.cmd_secret_rotate,
    )

    for name, func, text in (
        ("discovery-add", setup.cmd_discovery_add, "watch competitors and hashtags for a brand"),
        ("discovery-remove", setup.cmd_discovery_remove, "stop watching them"),
    ):
        watch = command(name, text, func)
        watch.add_argument("brand")
        watch.add_argument(
            "--competitor", action="append", default=[], help="@username, repeatable"
        )
        watch.add_argument("--hashtag", action="append", default=[], help="#tag, repeatable")
    watched = command(
        "discovery-list", "what discovery watches for a brand", setup.cmd_discovery_list
    )
    watched.add_argument("brand")
    as_json(watched)

    status = command(
        "status",
        "Toby's state for a user: on/off, warnings, brands, failures, recent activity",
        owner.cmd_status,
    )
    status.add_argument("user")
    status.add_argument("--activity", type=int, default=10, help="how many activity lines")
    as_json(status)

    reset = command(
        "reset", "forget what Toby learned for a user (keeps posts and scores)", owner.cmd_reset
    )
    reset.add_argument("user")
    reset.add_argument("--yes", action="store_true", help="really reset")

    settings = command("settings", "show or change a user's Toby settings", owner.cmd_settings)
    settings.add_argument("user")
    settings.add_argument("--buffer-days", type=int, help="days of posts planned ahead, 1-14")
    settings.add_argument("--explore-ratio", type=float, help="share of exploring posts, 0-1")
    settings.add_argument("--daily-budget-usd", type=float, help="the LLM's daily spend limit")
    settings.add_argument("--no-budget-limit", action="store_true", help="lift the spend limit")
    settings.add_argument("--review-mode", choices=["off", "skip", "publish"])
    settings.add_argument(
        "--enable-feature", action="append", default=[], choices=list(FEATURES), metavar="FLAG",
        help=f"turn a feature on ({', '.join(FEATURES)}), repeatable",
    )  # fmt: skip
    settings.add_argument(
        "--disable-feature", action="append", default=[], choices=list(FEATURES), metavar="FLAG",
        help="turn a feature off, repeatable",
    )  # fmt: skip
    as_json(settings)

    for name, text in (
        ("activity", "what Toby did, newest first"),
        ("published", "published posts with scores and badges"),
        ("experiments", "experiments with their results"),
        ("insights", "each dimension's options, best first, and the weekly trend"),
    ):
        show = command(name, text, owner.cmd_show)
        show.add_argument("user")
        show.add_argument("--limit", type=int, default=20, help="lines or posts")
        as_json(show)

    tokens = command(
        "api-token", "make (print once) or revoke a user's API tokens", setup.cmd_api_token
    )
    tokens.add_argument("action", choices=["create", "revoke"])
    tokens.add_argument("user")

    serve = command("serve", "serve the control API and the owners' dashboard", run.cmd_serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")

    evaluation = command(
        "evaluate",
        "estimate what another policy would have scored on a user's logged posts",
        run.cmd_evaluate,
    )
    evaluation.add_argument("user")
    evaluation.add_argument(
        "--policy",
        action="append",
        required=True,
        help="uniform, plain-ts, seed-70-30 or always:DIMENSION=OPTION (repeatable)",
    )
    evaluation.add_argument("--days", type=int, default=90, help="posts slotted in the last N days")

    run_on = (
        " on --database-url or TOBY_DATABASE_URL (created when missing), else a fresh data/{}.db"
    )
    demo = command("demo", "simulate 30 days of a demo user" + run_on.format("demo"), run.cmd_demo)
    demo.add_argument("--days", type=int, default=30, help="publishing days (at least 7)")
    demo.add_argument("--report", default="demo-report.json", help="where the report goes")
    demo.add_argument("--seed", type=int, default=0, help="the simulated world's seed")
    demo.add_argument(
        "--render-all",
        action="store_true",
        help="render every post's media (otherwise only the posts due on the last day)",
    )
    simulate = command(
        "simulate",
        "run a scenario through the real assets" + run_on.format("simulation"),
        run.cmd_simulate,
    )
    simulate.add_argument("--scenario", required=True, help="scenario JSON (see examples/)")
    simulate.add_argument(
        "--audience",
        default="toby_pipelines.platforms.audiences:health_audience",
        help="package.module:function returning a post's final metrics (see examples/audience.py)",
    )
    simulate.add_argument("--days", type=int, default=14, help="publishing days")
    simulate.add_argument("--seed", type=int, default=0, help="the simulated world's seed")
    simulate.add_argument(
        "--report", default="simulation-report.json", help="where the report goes"
    )
    for made in (demo, simulate):
        made.add_argument(
            "--replace",
            action="store_true",
            help="empty the named database first when it holds data (otherwise refused)",
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (InvalidContentDNA, UnknownUser, ValueError, FileNotFoundError) as error:
        print(f"toby: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ntoby: interrupted", file=sys.stderr)
        return 130
