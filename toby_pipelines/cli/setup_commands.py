"""Commands that set Toby up: users, brands and their slots, platform accounts and their tokens,
discovery targets, API tokens."""

from __future__ import annotations

import argparse
import sys

from toby_pipelines.buffer.slots import slot_time_list
from toby_pipelines.cli import text
from toby_pipelines.cli.common import content_dna, database, now, print_json
from toby_pipelines.credentials.cipher import KEY_VARIABLE, new_key
from toby_pipelines.credentials.store import open_store
from toby_pipelines.storage.api_tokens import create_api_token, revoke_api_tokens
from toby_pipelines.storage.brands import (
    create_brand,
    create_user,
    list_brands,
    list_users,
    normalized_slot_times,
    owner_of,
    remove_brand,
    set_slot_times,
    slot_times_by_brand,
    update_brand,
    update_user,
    upsert_platform_account,
)
from toby_pipelines.storage.discovery import add_target, remove_target, watched_targets
from toby_pipelines.storage.incidents import record_transition
from toby_pipelines.storage.platform_state import set_external_id
from toby_pipelines.storage.toby_state import require_user
from toby_pipelines.strategy.dimensions import CONTENT_TYPES


def cmd_user_add(args: argparse.Namespace) -> int:
    with database(args).transaction() as connection:
        create_user(
            connection, user_id=args.user, email=args.email, name=args.name or args.user, now=now()
        )
    print(f"user {args.user} created")
    return 0


def cmd_user_edit(args: argparse.Namespace) -> int:
    if args.email is None and args.name is None:
        raise ValueError("user-edit: give --email or --name")
    with database(args).transaction() as connection:
        update_user(connection, args.user, email=args.email, name=args.name)
    print(f"user {args.user} changed")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    with database(args).engine.connect() as connection:
        brands = list_brands(connection)
        users = [
            {
                "id": row.id,
                "email": row.email,
                "name": row.name,
                "toby": "never enabled" if row.enabled is None else "ON" if row.enabled else "OFF",
                "phase": row.phase,
                "brands": [b.id for b in brands if b.user_id == row.id],
            }
            for row in list_users(connection)
        ]
    print_json(users) if args.json else print(text.users(users))
    return 0


def cmd_brand_add(args: argparse.Namespace) -> int:
    dna = content_dna(args.dna)
    if args.followers < 0:
        raise ValueError(f"--followers must be 0 or more, got {args.followers}")
    with database(args).transaction() as connection:
        create_brand(
            connection,
            brand_id=args.brand,
            user_id=args.user,
            name=args.name or args.brand,
            dna=dna,
            now=now(),
        )
        set_slot_times(connection, args.brand, "reel", slot_time_list(args.reel_times))
        set_slot_times(connection, args.brand, "carousel", slot_time_list(args.carousel_times))
        upsert_platform_account(
            connection,
            brand_id=args.brand,
            platform=args.platform,
            handle=args.handle,
            followers=args.followers,
            now=now(),
        )
    print(f"brand {args.brand} added for {args.user}")
    return 0


def cmd_brand_edit(args: argparse.Namespace) -> int:
    """Change a brand's name, Content DNA or slot times; every value is checked first, in one
    transaction, so a bad one changes nothing."""
    times = {
        content_type: value
        for content_type, value in (("reel", args.reel_times), ("carousel", args.carousel_times))
        if value is not None
    }
    if args.name is None and args.dna is None and not times:
        raise ValueError(
            "brand-edit: give at least one of --name, --dna, --reel-times, --carousel-times"
        )
    dna = content_dna(args.dna) if args.dna is not None else None
    checked = {}
    for content_type, value in times.items():
        try:
            checked[content_type] = normalized_slot_times(content_type, slot_time_list(value))
        except ValueError as error:
            raise ValueError(f"--{content_type}-times: {error}") from None
    with database(args).transaction() as connection:
        update_brand(connection, args.brand, name=args.name, dna=dna)
        for content_type, at in checked.items():
            set_slot_times(connection, args.brand, content_type, at)
    changed = [
        *(["name"] if args.name is not None else []),
        *(["Content DNA"] if dna is not None else []),
        *(
            f"{content_type} slots {', '.join(at) or 'none'}"
            for content_type, at in checked.items()
        ),
    ]
    print(f"brand {args.brand}: {'; '.join(changed)} changed")
    return 0


def cmd_brand_remove(args: argparse.Namespace) -> int:
    if not args.yes:
        raise ValueError(
            f"brand-remove forgets brand {args.brand!r} and everything Toby keeps of it (posts,"
            " metrics, scores, learning, slots, accounts, tokens); what is on the platform"
            " stays. Add --yes to do it"
        )
    with database(args).transaction() as connection:
        posts = remove_brand(connection, args.brand)
    print(f"brand {args.brand} removed ({posts} post(s) forgotten)")
    return 0


def cmd_brands(args: argparse.Namespace) -> int:
    with database(args).engine.connect() as connection:
        if args.user is not None:
            require_user(connection, args.user)
        times = slot_times_by_brand(connection)
        brands = [
            {
                "id": b.id,
                "user": b.user_id,
                "name": b.name,
                "platform": b.platform,
                "handle": b.account_handle,
                "followers": b.followers,
                "slot_times": {ct: times.get(b.id, {}).get(ct, []) for ct in CONTENT_TYPES},
                "dna": b.dna,
            }
            for b in list_brands(connection, [args.user] if args.user else None)
        ]
    print_json(brands) if args.json else print(text.brands(brands))
    return 0


def _known_brand(connection, brand_id: str) -> None:
    if owner_of(connection, brand_id) is None:
        raise ValueError(f"brand: no brand {brand_id!r}; add it with `toby brand-add`")


def cmd_account_link(args: argparse.Namespace) -> int:
    """Record the platform's id of a brand's account and, with --token-stdin, its tokens
    (encrypted at rest); this is also what clears a re-authorization flag."""
    access, refresh = _tokens_from_stdin() if args.token_stdin else (None, None)
    if args.expires_in is not None and args.expires_in <= 0:
        raise ValueError(
            f"--expires-in must be a positive number of seconds, got {args.expires_in}"
        )
    opened = database(args)
    store = open_store(opened) if access else None
    at = now()
    with opened.transaction() as connection:
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
            now=at,
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
    count = open_store(database(args)).rotate_keys()
    print(f"re-encrypted {count} stored credential(s) with the first key of {KEY_VARIABLE}")
    return 0


def _change_targets(args: argparse.Namespace, change) -> int:
    """Each --competitor and --hashtag through `change(connection, brand, kind, target)`, all in
    one transaction: one bad target changes nothing."""
    if not args.competitor and not args.hashtag:
        raise ValueError(f"{args.command}: give at least one --competitor or --hashtag")
    with database(args).transaction() as connection:
        _known_brand(connection, args.brand)
        for kind, targets in (("competitor", args.competitor), ("hashtag", args.hashtag)):
            for target in targets:
                change(connection, args.brand, kind, target)
    return len(args.competitor) + len(args.hashtag)


def cmd_discovery_add(args: argparse.Namespace) -> int:
    _change_targets(args, add_target)
    print(
        f"{args.brand}: watching {len(args.competitor)} competitor(s), {len(args.hashtag)} hashtag(s)"
    )
    return 0


def cmd_discovery_list(args: argparse.Namespace) -> int:
    with database(args).engine.connect() as connection:
        _known_brand(connection, args.brand)
        targets = [
            {"kind": kind, "target": target}
            for kind, target in watched_targets(connection, args.brand)
        ]
    print_json(targets) if args.json else print(text.targets(targets))
    return 0


def cmd_discovery_remove(args: argparse.Namespace) -> int:
    print(f"{args.brand}: stopped watching {_change_targets(args, remove_target)} target(s)")
    return 0


def cmd_api_token(args: argparse.Namespace) -> int:
    with database(args).transaction() as connection:
        if args.action == "revoke":
            count = revoke_api_tokens(connection, args.user, now())
            print(f"revoked {count} token(s) of {args.user}")
            return 0
        token = create_api_token(connection, args.user, now())
    print(token)
    print(
        f"(the API token of {args.user}; shown once, only its hash is stored. Send it as"
        " `Authorization: Bearer <token>`.)",
        file=sys.stderr,
    )
    return 0
