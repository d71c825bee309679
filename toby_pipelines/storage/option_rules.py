"""Pins and bans of options per brand and content type (table option_rules)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.brands import list_brands, option_pool_overrides
from toby_pipelines.strategy.dimensions import DIMENSIONS, check_content_type, option_pools
from toby_pipelines.strategy.option_rules import RULES

RulesByBrand = dict[tuple[str, str], dict[str, dict[str, str]]]


def option_rules(connection: Connection, brand_ids: list[str] | None = None) -> RulesByBrand:
    """{(brand, content type): {dimension: {option: "pin" | "ban"}}}"""
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, content_type, dimension, option_value, rule FROM option_rules"
            " ORDER BY brand_id, content_type, dimension, option_value"
        )
    )
    rules: RulesByBrand = {}
    for r in rows:
        if brand_ids is None or r.brand_id in brand_ids:
            key = (r.brand_id, r.content_type)
            rules.setdefault(key, {}).setdefault(r.dimension, {})[r.option_value] = r.rule
    return rules


def set_option_rule(
    connection: Connection,
    user_id: str,
    *,
    brand_id: str,
    content_type: str,
    dimension: str,
    option: str,
    rule: str,
    now: dt.datetime,
) -> None:
    """Pin or ban an option of one of the user's brands; a pin replaces the dimension's other
    pins. Refused, naming the field, for an option not in the brand's pool or a ban that would
    leave the dimension nothing. Logged."""
    brand = _owned_brand(connection, user_id, brand_id)
    check_content_type(content_type)
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, got {dimension!r}")
    if rule not in RULES:
        raise ValueError(f"rule must be pin or ban, got {rule!r}")
    overrides = option_pool_overrides(connection).get(brand_id, {}).get(content_type)
    pool = option_pools(content_type, brand.topic_buckets, overrides)[dimension]
    if option not in pool:
        raise ValueError(
            f"option {option!r} is not in {brand_id}'s {content_type} {dimension} options"
            f" ({', '.join(pool)})"
        )
    key = {"b": brand_id, "c": content_type, "d": dimension}
    if rule == "ban":
        banned = set(
            connection.execute(
                sa.text(
                    "SELECT option_value FROM option_rules WHERE brand_id = :b"
                    " AND content_type = :c AND dimension = :d AND rule = 'ban'"
                ),
                key,
            ).scalars()
        )
        if set(pool) <= banned | {option}:
            raise ValueError(f"option {option!r}: banning it would leave {dimension} no option")
    else:
        connection.execute(
            sa.text(
                "DELETE FROM option_rules WHERE brand_id = :b AND content_type = :c"
                " AND dimension = :d AND rule = 'pin'"
            ),
            key,
        )
    connection.execute(
        sa.text(
            "DELETE FROM option_rules WHERE brand_id = :b AND content_type = :c"
            " AND dimension = :d AND option_value = :o"
        ),
        {**key, "o": option},
    )
    connection.execute(
        sa.text(
            "INSERT INTO option_rules (brand_id, content_type, dimension, option_value, rule,"
            " created_at) VALUES (:b, :c, :d, :o, :r, :now)"
        ),
        {**key, "o": option, "r": rule, "now": now},
    )
    verb = "pinned: every post uses it" if rule == "pin" else "banned: no post uses it"
    log_activity(
        connection,
        user_id=user_id,
        action_type=f"option_{'pinned' if rule == 'pin' else 'banned'}",
        description=f"{brand.name} {content_type}s: {dimension} {option} {verb} (learning goes on)",
        dedupe_key=f"rule:{brand_id}:{content_type}:{dimension}:{option}:{now.isoformat()}",
        now=now,
    )


def clear_option_rule(
    connection: Connection,
    user_id: str,
    *,
    brand_id: str,
    content_type: str,
    dimension: str,
    option: str,
    now: dt.datetime,
) -> bool:
    """Lift a pin or ban; whether there was one. Logged."""
    brand = _owned_brand(connection, user_id, brand_id)
    removed = connection.execute(
        sa.text(
            "DELETE FROM option_rules WHERE brand_id = :b AND content_type = :c"
            " AND dimension = :d AND option_value = :o"
        ),
        {"b": brand_id, "c": content_type, "d": dimension, "o": option},
    ).rowcount
    if removed:
        log_activity(
            connection,
            user_id=user_id,
            action_type="option_rule_lifted",
            description=f"{brand.name} {content_type}s: {dimension} {option} is free again",
            dedupe_key=f"unrule:{brand_id}:{content_type}:{dimension}:{option}:{now.isoformat()}",
            now=now,
        )
    return bool(removed)


class NotOwned(LookupError):
    """The brand does not exist or is not the user's."""


def _owned_brand(connection: Connection, user_id: str, brand_id: str):
    for brand in list_brands(connection, [user_id]):
        if brand.id == brand_id:
            return brand
    raise NotOwned(f"no brand {brand_id!r}")
