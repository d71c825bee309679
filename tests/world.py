"""A small Toby world for tests: one user, two brands, a few slots, accounts on the simulator."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from toby_pipelines.defs.resources import default_resources
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.media import MediaResource
from toby_pipelines.resources.platform import SimulatedPlatformResource
from toby_pipelines.simulation.driver import SimulationDriver, event_times
from toby_pipelines.storage.brands import (
    create_brand,
    create_user,
    set_slot_times,
    upsert_platform_account,
)
from toby_pipelines.storage.toby_state import enable_toby

START = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
DNA = {
    "niche": "health",
    "tone": "friendly",
    "topic_buckets": ["sleep", "gut_health", "stress"],
    "content_examples": ["3 habits for better sleep"],
}


def build_world(database, users=("u1",), brands_per_user=2, now=START):
    with database.transaction() as connection:
        for user in users:
            create_user(connection, user_id=user, email=f"{user}@example.com", name=user, now=now)
            for index in range(brands_per_user):
                brand = f"{user}-b{index}"
                create_brand(connection, brand_id=brand, user_id=user, name=brand, dna=DNA, now=now)
                set_slot_times(connection, brand, "reel", ["09:00", "17:00"])
                set_slot_times(connection, brand, "carousel", ["12:00"])
                upsert_platform_account(
                    connection,
                    brand_id=brand,
                    platform="instagram",
                    handle=f"h_{brand}",
                    followers=5000,
                    now=now,
                )
            enable_toby(connection, user, now)


def registered_world(database, url: str, **world) -> None:
    """`build_world(database, **world)` with every brand's account registered on the simulated
    platform, as the loop's tests start."""
    build_world(database, **world)
    register_accounts(database, resources_for(url, START)["platform"].get())


def resources_for(url: str, at: dt.datetime, audience: str | None = None) -> dict:
    database = TobyDatabaseResource(url=url)
    platform = SimulatedPlatformResource(
        database=database, **({"audience": audience} if audience else {})
    )
    return default_resources(
        database=database,
        platform=platform,
        clock=ClockResource(frozen_at=at.isoformat()),
        media=MediaResource(render=False),  # media are tested in tests/media
    )


def register_accounts(database, platform):
    from toby_pipelines.storage.brands import list_brands

    with database.engine.connect() as connection:
        for brand in list_brands(connection):
            platform.register_account(brand.account_handle, brand.followers)


def run_days(defs: dg.Definitions, url: str, days: int) -> dg.DagsterInstance:
    """The real schedule and sensor over `days` simulated days from START, as the demo runs."""
    instance = dg.DagsterInstance.ephemeral()
    driver = SimulationDriver(defs, instance, lambda at: resources_for(url, at))
    for at in event_times(TobyDatabaseResource(url=url), START, days):
        driver.tick(at)
    return instance
