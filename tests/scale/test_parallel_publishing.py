"""A shared slot goes out in parallel across accounts, one call at a time per account.

Twelve brands share a 09:00 reel slot; the platform answers each call after a delay and counts
what the loop asks of it. Every post is published once, several accounts' calls overlap, no
account ever gets a second call while one is in flight, and the app-wide limit holds.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.loop.publish import publish_due
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.scale.latency_platform import LatencyPlatform, LatencyPlatformResource

USERS = tuple(f"u{i}" for i in range(6))


def test_a_shared_slot_publishes_accounts_in_parallel(database, database_url):
    build_world(database, users=USERS, brands_per_user=2)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    load_defs().resolve_job_def("toby_tick_job").execute_in_process(
        resources=resources_for(database_url, START)
    )
    nine = START + dt.timedelta(hours=9)
    slow = LatencyPlatformResource(
        database=TobyDatabaseResource(url=database_url), call_seconds=0.05, app_limit=8
    ).get()
    assert isinstance(slow, LatencyPlatform)

    summary = publish_due(database, slow, nine)

    assert len(summary.published) == 12 and not summary.failed and not summary.retrying
    with database.engine.connect() as connection:
        media = connection.execute(sa.text("SELECT COUNT(*) FROM sim_platform_media")).scalar()
    assert media == 12
    assert 1 < slow.most_in_flight <= 8
    assert slow.account_waits == 0
    # Three calls per publish and nothing else: follower counts are measuring's to read.
    assert slow.calls == 12 * 3
