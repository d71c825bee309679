"""The demo's world: one user with two brands of the spec's health niche."""

from __future__ import annotations

import datetime as dt

from toby_pipelines.platforms.simulated import SimulatedPlatform
from toby_pipelines.storage.brands import (
    create_brand,
    create_user,
    set_slot_times,
    upsert_platform_account,
)
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.toby_state import enable_toby

DEMO_USER = "demo-user"
REEL_TIMES = ["08:00", "11:00", "14:00", "17:00", "20:00", "23:00"]
CAROUSEL_TIMES = ["10:00", "18:00"]

DEMO_BRANDS = [
    {
        "id": "healthy-college",
        "name": "Healthy College",
        "handle": "healthycollege",
        "followers": 8_000,
        "dna": {
            "niche": "health and wellness for students",
            "tone": "friendly, evidence-based",
            "topic_buckets": ["superfoods", "sleep", "gut_health", "hormones", "stress"],
            "content_examples": [
                "5 foods that quietly wreck your sleep",
                "Why your gut hates all-nighters",
            ],
        },
    },
    {
        "id": "longevity-lab",
        "name": "Longevity Lab",
        "handle": "longevitylab",
        "followers": 25_000,
        "dna": {
            "niche": "longevity and healthy aging",
            "tone": "calm, expert, precise",
            "topic_buckets": ["sleep", "gut_health", "hormones", "movement", "nutrition"],
            "content_examples": [
                "The morning habit that adds years",
                "What blood sugar spikes do to your brain",
            ],
        },
    },
]


def create_demo_world(database: Database, platform: SimulatedPlatform, now: dt.datetime) -> str:
    """Create the demo user and brands, register their accounts on the simulated platform, enable Toby."""
    with database.transaction() as connection:
        create_user(
            connection, user_id=DEMO_USER, email="demo@toby.example", name="Demo User", now=now
        )
        for brand in DEMO_BRANDS:
            create_brand(
                connection,
                brand_id=brand["id"],
                user_id=DEMO_USER,
                name=brand["name"],
                dna=brand["dna"],
                now=now,
            )
            set_slot_times(connection, brand["id"], "reel", REEL_TIMES)
            set_slot_times(connection, brand["id"], "carousel", CAROUSEL_TIMES)
            upsert_platform_account(
                connection,
                brand_id=brand["id"],
                platform="instagram",
                handle=brand["handle"],
                followers=brand["followers"],
                now=now,
            )
        enable_toby(connection, DEMO_USER, now)
    for brand in DEMO_BRANDS:
        platform.register_account(brand["handle"], brand["followers"])
    return DEMO_USER
