"""Users, brands with their Content DNA, slot schedules and platform accounts."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.buffer.slots import parse_slot_time
from toby_pipelines.content.content_dna import check_content_dna_kinds
from toby_pipelines.storage.database import load_json
from toby_pipelines.strategy.dimensions import check_content_type, check_option_pool


@dataclass(frozen=True)
class BrandRecord:
    id: str
    user_id: str
    name: str
    niche: str
    tone: str
    topic_buckets: tuple[str, ...]
    content_examples: tuple[str, ...]
    platform: str | None
    account_handle: str | None
    followers: int | None

    @property
    def dna(self) -> dict[str, Any]:
        return {
            "niche": self.niche,
            "tone": self.tone,
            "topic_buckets": list(self.topic_buckets),
            "content_examples": list(self.content_examples),
        }


class UnknownUser(LookupError):
    pass


USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_user_id(user_id: str) -> str:
    if not isinstance(user_id, str) or not USER_ID.match(user_id):
        raise ValueError(
            "user id must be 1-64 letters, digits, dots, hyphens or underscores, starting with a"
            f" letter or digit, got {user_id!r}"
        )
    return user_id


def check_email(email: str) -> str:
    if not isinstance(email, str) or not EMAIL.match(email):
        raise ValueError(f"email must look like name@example.com, got {email!r}")
    return email


def user_exists(connection: Connection, user_id: str) -> bool:
    return (
        connection.execute(sa.text("SELECT 1 FROM users WHERE id = :id"), {"id": user_id}).first()
        is not None
    )


def create_user(
    connection: Connection, *, user_id: str, email: str, name: str, now: dt.datetime
) -> None:
    check_user_id(user_id)
    check_email(email)
    if user_exists(connection, user_id):
        raise ValueError(f"user {user_id!r} already exists")
    _check_email_free(connection, email, user_id)
    connection.execute(
        sa.text(
            "INSERT INTO users (id, email, name, created_at) VALUES (:id, :email, :name, :now)"
        ),
        {"id": user_id, "email": email, "name": name, "now": now},
    )


def _check_email_free(connection: Connection, email: str, user_id: str) -> None:
    taken = connection.execute(
        sa.text("SELECT id FROM users WHERE email = :e AND id <> :u"), {"e": email, "u": user_id}
    ).scalar()
    if taken is not None:
        raise ValueError(f"email {email!r} is already user {taken!r}'s")


def update_user(
    connection: Connection, user_id: str, *, email: str | None = None, name: str | None = None
) -> None:
    """Change a user's email and/or shown name (the id stays: everything refers to it)."""
    if not user_exists(connection, user_id):
        raise UnknownUser(f"no user {user_id!r}; add it with `toby user-add`")
    if email is not None:
        check_email(email)
        _check_email_free(connection, email, user_id)
        connection.execute(
            sa.text("UPDATE users SET email = :e WHERE id = :u"), {"e": email, "u": user_id}
        )
    if name is not None:
        if not name.strip():
            raise ValueError(f"--name must not be empty, got {name!r}")
        connection.execute(
            sa.text("UPDATE users SET name = :n WHERE id = :u"), {"n": name, "u": user_id}
        )


BRAND_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_brand_id(brand_id: str) -> str:
    """Brand ids are slugs (lower-case letters, digits, single hyphens), so no two ids can map
    to one name anywhere (a file, a variable, a URL): `glow_daily` and `Glow-Daily` are refused
    rather than folded into `glow-daily`."""
    if not isinstance(brand_id, str) or not BRAND_ID.match(brand_id):
        raise ValueError(
            f"brand id must be lower-case letters and digits joined by single hyphens"
            f" (like glow-daily), got {brand_id!r}"
        )
    return brand_id


def owner_of(connection: Connection, brand_id: str) -> str | None:
    """The user a brand belongs to."""
    return connection.execute(
        sa.text("SELECT user_id FROM brands WHERE id = :id"), {"id": brand_id}
    ).scalar()


def owner_of_post(connection: Connection, post_id: str) -> str | None:
    return connection.execute(
        sa.text("SELECT user_id FROM scheduled_posts WHERE id = :id"), {"id": post_id}
    ).scalar()


def create_brand(
    connection: Connection,
    *,
    brand_id: str,
    user_id: str,
    name: str,
    dna: Mapping[str, Any],
    now: dt.datetime,
) -> None:
    """Store a brand with whatever Content DNA it has (enabling Toby is what demands a complete
    one), but every field it has must be of the right kind."""
    check_brand_id(brand_id)
    check_content_dna_kinds(brand_id, dna)
    if not user_exists(connection, user_id):
        raise UnknownUser(f"no user {user_id!r}; add it with `toby user-add`")
    if owner_of(connection, brand_id) is not None:
        raise ValueError(f"brand {brand_id!r} already exists")
    taken = connection.execute(
        sa.text("SELECT id FROM brands WHERE user_id = :u AND name = :n"),
        {"u": user_id, "n": name},
    ).scalar()
    if taken is not None:
        raise ValueError(f"brand name {name!r} is already brand {taken!r}'s for user {user_id!r}")
    connection.execute(
        sa.text(
            "INSERT INTO brands (id, user_id, name, niche, tone, topic_buckets, content_examples,"
            " created_at) VALUES (:id, :user_id, :name, :niche, :tone, :topics, :examples, :now)"
        ),
        {
            "id": brand_id,
            "user_id": user_id,
            "name": name,
            **_dna_columns(dna),
            "now": now,
        },
    )


def _dna_columns(dna: Mapping[str, Any]) -> dict[str, str]:
    """A Content DNA as the brands table's columns (parameters :niche, :tone, :topics,
    :examples)."""
    return {
        "niche": dna.get("niche") or "",
        "tone": dna.get("tone") or "",
        "topics": json.dumps(list(dna.get("topic_buckets") or [])),
        "examples": json.dumps(list(dna.get("content_examples") or [])),
    }


def update_brand(
    connection: Connection,
    brand_id: str,
    *,
    name: str | None = None,
    dna: Mapping[str, Any] | None = None,
) -> None:
    """Rename a brand and/or replace its Content DNA (checked as `create_brand` checks it)."""
    user_id = owner_of(connection, brand_id)
    if user_id is None:
        raise ValueError(f"brand: no brand {brand_id!r}; add it with `toby brand-add`")
    if name is not None:
        if not name.strip():
            raise ValueError(f"--name must not be empty, got {name!r}")
        taken = connection.execute(
            sa.text("SELECT id FROM brands WHERE user_id = :u AND name = :n AND id <> :b"),
            {"u": user_id, "n": name, "b": brand_id},
        ).scalar()
        if taken is not None:
            raise ValueError(f"brand name {name!r} is already brand {taken!r}'s for {user_id!r}")
        connection.execute(
            sa.text("UPDATE brands SET name = :n WHERE id = :b"), {"n": name, "b": brand_id}
        )
    if dna is not None:
        check_content_dna_kinds(brand_id, dna)
        connection.execute(
            sa.text(
                "UPDATE brands SET niche = :niche, tone = :tone, topic_buckets = :topics,"
                " content_examples = :examples WHERE id = :b"
            ),
            {**_dna_columns(dna), "b": brand_id},
        )


def remove_brand(connection: Connection, brand_id: str) -> int:
    """Forget a brand and everything Toby keeps of it (its posts, their metrics and scores, its
    learning, slots, accounts and stored tokens, discovery). Posts already on the platform stay
    there. Returns how many of its posts were forgotten."""
    if owner_of(connection, brand_id) is None:
        raise ValueError(f"brand: no brand {brand_id!r}")
    posts = connection.execute(
        sa.text("SELECT COUNT(*) FROM scheduled_posts WHERE brand_id = :b"), {"b": brand_id}
    ).scalar()
    # Rows that name the brand without a foreign key; the rest go with it (ON DELETE CASCADE).
    connection.execute(
        sa.text("DELETE FROM posterior_versions WHERE brand_id = :b"), {"b": brand_id}
    )
    connection.execute(
        sa.text("DELETE FROM incident_states WHERE subject LIKE :s"), {"s": f"brand:{brand_id}:%"}
    )
    connection.execute(sa.text("DELETE FROM brands WHERE id = :b"), {"b": brand_id})
    return int(posts or 0)


def list_users(connection: Connection) -> list[sa.Row]:
    """Every user with whether Toby is on, its phase and its brands' ids (comma-separated)."""
    return connection.execute(
        sa.text(
            "SELECT u.id, u.email, u.name, s.enabled, s.phase FROM users u"
            " LEFT JOIN toby_state s ON s.user_id = u.id ORDER BY u.id"
        )
    ).all()


def set_slot_times(
    connection: Connection, brand_id: str, content_type: str, times: Sequence[str]
) -> None:
    check_content_type(content_type)
    times = normalized_slot_times(content_type, times)
    connection.execute(
        sa.text("DELETE FROM brand_slots WHERE brand_id = :b AND content_type = :c"),
        {"b": brand_id, "c": content_type},
    )
    for value in times:
        connection.execute(
            sa.text(
                "INSERT INTO brand_slots (brand_id, content_type, slot_time) VALUES (:b, :c, :t)"
            ),
            {"b": brand_id, "c": content_type, "t": value},
        )


def normalized_slot_times(content_type: str, times: Sequence[str]) -> list[str]:
    """Slot times as HH:MM, each once: `8:00` and `08:00` are the same slot."""
    normalized: list[str] = []
    for value in times:
        at = parse_slot_time(value)
        spelled = f"{at.hour:02d}:{at.minute:02d}"
        if spelled in normalized:
            raise ValueError(f"{content_type} slot time {spelled} appears twice (from {value!r})")
        normalized.append(spelled)
    return normalized


def upsert_platform_account(
    connection: Connection,
    *,
    brand_id: str,
    platform: str,
    handle: str,
    followers: int,
    now: dt.datetime,
) -> None:
    if not isinstance(followers, int) or followers < 0:
        raise ValueError(f"followers must be a whole number of 0 or more, got {followers!r}")
    connection.execute(
        sa.text(
            "INSERT INTO platform_accounts (id, brand_id, platform, handle, followers_count,"
            " updated_at) VALUES (:id, :brand_id, :platform, :handle, :followers, :now)"
            " ON CONFLICT (brand_id, platform) DO UPDATE SET handle = excluded.handle,"
            " followers_count = excluded.followers_count, updated_at = excluded.updated_at"
        ),
        {
            "id": f"{brand_id}:{platform}",
            "brand_id": brand_id,
            "platform": platform,
            "handle": handle,
            "followers": followers,
            "now": now,
        },
    )


def update_followers(connection: Connection, counts: Mapping[str, tuple[dt.datetime, int]]) -> None:
    """Record each account's follower count {handle: (when it held, count)}, unless a newer
    one is already recorded (a backfill of an old day leaves today's count alone)."""
    if not counts:
        return
    connection.execute(
        sa.text(
            "UPDATE platform_accounts SET followers_count = :f, updated_at = :at"
            " WHERE handle = :h AND (updated_at IS NULL OR updated_at <= :at)"
        ),
        [{"f": count, "at": at, "h": handle} for handle, (at, count) in counts.items()],
    )


def list_brands(connection: Connection, user_ids: Iterable[str] | None = None) -> list[BrandRecord]:
    rows = connection.execute(
        sa.text(
            "SELECT b.id, b.user_id, b.name, b.niche, b.tone, b.topic_buckets, b.content_examples,"
            " a.platform, a.handle, a.followers_count FROM brands b"
            " LEFT JOIN platform_accounts a ON a.brand_id = b.id ORDER BY b.user_id, b.created_at, b.id"
        )
    ).all()
    wanted = set(user_ids) if user_ids is not None else None
    return [
        BrandRecord(
            id=row.id,
            user_id=row.user_id,
            name=row.name,
            niche=row.niche,
            tone=row.tone,
            topic_buckets=tuple(load_json(row.topic_buckets)),
            content_examples=tuple(load_json(row.content_examples)),
            platform=row.platform,
            account_handle=row.handle,
            followers=row.followers_count,
        )
        for row in rows
        if wanted is None or row.user_id in wanted
    ]


def slot_times_by_brand(connection: Connection) -> dict[str, dict[str, list[str]]]:
    """{brand_id: {content_type: ["HH:MM", ...]}}"""
    result: dict[str, dict[str, list[str]]] = {}
    rows = connection.execute(
        sa.text("SELECT brand_id, content_type, slot_time FROM brand_slots ORDER BY slot_time")
    )
    for brand_id, content_type, slot_time in rows:  # by position: 80,000 rows at 10,000 brands
        result.setdefault(brand_id, {}).setdefault(content_type, []).append(slot_time)
    return result


def set_option_pool(
    connection: Connection,
    brand_id: str,
    content_type: str,
    dimension: str,
    options: Sequence[str],
) -> None:
    """Override the options Toby may choose for one dimension of a brand's content type."""
    check_content_type(content_type)
    pool = check_option_pool(content_type, dimension, options)
    connection.execute(
        sa.text(
            "INSERT INTO brand_option_pools (brand_id, content_type, dimension, options)"
            " VALUES (:b, :ct, :d, :o) ON CONFLICT (brand_id, content_type, dimension)"
            " DO UPDATE SET options = excluded.options"
        ),
        {"b": brand_id, "ct": content_type, "d": dimension, "o": json.dumps(list(pool))},
    )


def option_pool_overrides(
    connection: Connection,
) -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    """{brand_id: {content_type: {dimension: options}}} for the pools brands override."""
    result: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
    for row in connection.execute(
        sa.text("SELECT brand_id, content_type, dimension, options FROM brand_option_pools")
    ):
        result.setdefault(row.brand_id, {}).setdefault(row.content_type, {})[row.dimension] = tuple(
            load_json(row.options)
        )
    return result
