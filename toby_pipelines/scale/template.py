"""The template world: one user with one brand, run through the real jobs, schedule and sensor
for a few simulated days. Every row the bulk populator writes is a copy of a row this run wrote,
so the populated database has exactly the shape the code writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.media import MediaResource
from toby_pipelines.resources.platform import SimulatedPlatformResource
from toby_pipelines.simulation.demo_world import CAROUSEL_TIMES, DEMO_BRANDS, REEL_TIMES
from toby_pipelines.simulation.driver import SimulationDriver, event_times
from toby_pipelines.storage.brands import (
    create_brand,
    create_user,
    set_slot_times,
    upsert_platform_account,
)
from toby_pipelines.storage.toby_state import enable_toby

TEMPLATE_USER = "template-user"
TEMPLATE_BRAND = "template-brand"
TEMPLATE_HANDLE = "templatebrand"
# Posts published on the template's day 1 reach their last checkpoint (7d) on day 8.
TEMPLATE_DAYS = 9
COPIED_DAY = 1  # the day whose posts, snapshots and scores every populated day copies
SLOTS = {"reel": REEL_TIMES, "carousel": CAROUSEL_TIMES}  # 6 reels and 2 carousels a day


def build_template(path: Path, start: dt.datetime) -> str:
    """Run the real loop for one brand over TEMPLATE_DAYS days into a fresh SQLite file."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    database = TobyDatabaseResource(url=url)
    platform = SimulatedPlatformResource(database=database)
    brand = DEMO_BRANDS[0]
    with database.get().transaction() as connection:
        create_user(
            connection, user_id=TEMPLATE_USER, email="template@toby.example", name="T", now=start
        )
        create_brand(
            connection,
            brand_id=TEMPLATE_BRAND,
            user_id=TEMPLATE_USER,
            name="Template Brand",
            dna=brand["dna"],
            now=start,
        )
        for content_type, times in SLOTS.items():
            set_slot_times(connection, TEMPLATE_BRAND, content_type, times)
        upsert_platform_account(
            connection,
            brand_id=TEMPLATE_BRAND,
            platform="instagram",
            handle=TEMPLATE_HANDLE,
            followers=brand["followers"],
            now=start,
        )
        enable_toby(connection, TEMPLATE_USER, start)
    platform.get().register_account(TEMPLATE_HANDLE, brand["followers"])
    base = default_resources(
        database=database, platform=platform, media=MediaResource(render=False)
    )
    driver = SimulationDriver(
        load_defs(),
        dg.DagsterInstance.ephemeral(),
        lambda at: {**base, "clock": ClockResource(frozen_at=at.isoformat())},
    )
    for at in event_times(database, start, TEMPLATE_DAYS):
        driver.tick(at)
    return url
