"""Scenario files for `toby simulate`: users, brands, slots, followers and join days (JSON).

Schema (see examples/scenario.json):

    {
      "users": [{"id": "u1", "email": "a@b.c", "name": "Ana", "explore_ratio": 0.3}],
      "brands": [{
        "id": "b1", "user_id": "u1", "name": "Brand", "handle": "brand",
        "followers": 8000,                      # starting followers (int >= 0)
        "joins_on_day": 0,                      # simulated day the brand joins (0 = first day)
        "dna": {"niche": "...", "tone": "...", "topic_buckets": ["..."], "content_examples": ["..."]},
        "slots": {"reel": ["08:00", "20:00"], "carousel": ["10:00"]},
        "option_pools": {"reel": {"hook_strategy": ["question", "myth_buster"]}}   # optional
      }]
    }
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from toby_pipelines.platforms.simulated import SimulatedPlatform
from toby_pipelines.storage.brands import (
    create_brand,
    create_user,
    set_option_pool,
    set_slot_times,
    upsert_platform_account,
)
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.toby_state import enable_toby, set_explore_ratio, toby_settings
from toby_pipelines.strategy.selection import check_explore_ratio


class InvalidScenario(ValueError):
    pass


@dataclass(frozen=True)
class Scenario:
    users: list[dict[str, Any]]
    brands: list[dict[str, Any]]

    def brands_joining(self, day: int) -> list[dict[str, Any]]:
        return [b for b in self.brands if b["joins_on_day"] == day]


def _require(item: dict, field: str, kind: type, where: str) -> Any:
    if field not in item:
        raise InvalidScenario(f"{where}: missing field {field!r}")
    value = item[field]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidScenario(f"{where}.{field} must be {kind.__name__}, got {value!r}")
    return value


def parse_scenario(data: Any, days: int) -> Scenario:
    if not isinstance(data, dict):
        raise InvalidScenario(f"scenario must be a JSON object, got {type(data).__name__}")
    users = _require(data, "users", list, "scenario")
    brands = _require(data, "brands", list, "scenario")
    if not users or not brands:
        raise InvalidScenario("scenario needs at least one user and one brand")
    user_ids = set()
    for i, user in enumerate(users):
        where = f"users[{i}]"
        user_ids.add(_require(user, "id", str, where))
        _require(user, "email", str, where)
        ratio = user.get("explore_ratio", 0.3)
        try:
            check_explore_ratio(float(ratio))
        except (TypeError, ValueError) as error:
            raise InvalidScenario(f"{where}.explore_ratio: {error}") from None
    for i, brand in enumerate(brands):
        where = f"brands[{i}]"
        for field in ("id", "user_id", "name", "handle"):
            _require(brand, field, str, where)
        if brand["user_id"] not in user_ids:
            raise InvalidScenario(f"{where}.user_id {brand['user_id']!r} is not a scenario user")
        if _require(brand, "followers", int, where) < 0:
            raise InvalidScenario(f"{where}.followers must be >= 0, got {brand['followers']}")
        brand.setdefault("joins_on_day", 0)
        day = _require(brand, "joins_on_day", int, where)
        if not 0 <= day < days:
            raise InvalidScenario(f"{where}.joins_on_day must be in 0..{days - 1}, got {day}")
        _require(brand, "dna", dict, where)
        slots = _require(brand, "slots", dict, where)
        if not slots:
            raise InvalidScenario(f"{where}.slots: give at least one content type's times")
    return Scenario(users, brands)


def create_users(database: Database, scenario: Scenario, now: dt.datetime) -> None:
    with database.transaction() as connection:
        for user in scenario.users:
            create_user(
                connection,
                user_id=user["id"],
                email=user["email"],
                name=user.get("name", user["id"]),
                now=now,
            )


def join_brands(
    database: Database,
    platform: SimulatedPlatform,
    scenario: Scenario,
    day: int,
    now: dt.datetime,
) -> list[str]:
    """Create the brands joining on `day`, register their accounts, and enable their users."""
    joining = scenario.brands_joining(day)
    if not joining:
        return []
    ratios = {u["id"]: float(u.get("explore_ratio", 0.3)) for u in scenario.users}
    with database.transaction() as connection:
        for brand in joining:
            where = f"brand {brand['id']!r}"
            try:
                create_brand(
                    connection,
                    brand_id=brand["id"],
                    user_id=brand["user_id"],
                    name=brand["name"],
                    dna=brand["dna"],
                    now=now,
                )
                for content_type, times in brand["slots"].items():
                    set_slot_times(connection, brand["id"], content_type, times)
                for content_type, pools in brand.get("option_pools", {}).items():
                    for dimension, options in pools.items():
                        set_option_pool(connection, brand["id"], content_type, dimension, options)
            except ValueError as error:
                raise InvalidScenario(f"{where}: {error}") from None
            upsert_platform_account(
                connection,
                brand_id=brand["id"],
                platform="instagram",
                handle=brand["handle"],
                followers=brand["followers"],
                now=now,
            )
        for user_id in sorted({b["user_id"] for b in joining}):
            if any(s.enabled for s in toby_settings(connection, [user_id])):
                continue  # Toby picks up a later brand by itself
            enable_toby(connection, user_id, now)
            set_explore_ratio(connection, user_id, ratios[user_id])
    for brand in joining:
        platform.register_account(brand["handle"], brand["followers"])
    return [b["id"] for b in joining]
