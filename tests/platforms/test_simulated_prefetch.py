"""The simulated platform's prefetch answers exactly as its per-call queries do.

Measuring a day reads every media and follower count it needs in a few queries (prefetch); the
answers for every checkpoint moment of the day must equal the uncached ones, and a publish
during the window must not leave a stale follower count behind.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.platforms.base import PublishRequest


def test_prefetched_answers_equal_the_queried_ones(database, database_url):
    build_world(database, users=("u1",), brands_per_user=2)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 9)
    day_start = START + dt.timedelta(days=8)
    day_end = day_start + dt.timedelta(days=1)
    with database.engine.connect() as connection:
        media = connection.execute(
            sa.text("SELECT media_id, account_handle FROM sim_platform_media")
        ).all()
    moments = [day_start + dt.timedelta(hours=h, minutes=17) for h in range(0, 24, 3)]
    plain = resources_for(database_url, START)["platform"].get()
    cached = resources_for(database_url, START)["platform"].get()
    cached.prefetch([m for m, _ in media], [h for _, h in media], day_start, day_end)
    handles = sorted({h for _, h in media})
    for at in moments:
        for handle in handles:
            assert cached.followers(handle, at) == plain.followers(handle, at)
        for media_id, _ in media[:20]:
            assert cached.fetch_metrics(media_id, at, brand_id="", content_type="") == (
                plain.fetch_metrics(media_id, at, brand_id="", content_type="")
            )

    # A post published inside the window: its account's count comes from the database again.
    at = day_start + dt.timedelta(hours=5)
    cached.publish(
        PublishRequest("late-post", "u1", "u1-b0", "instagram", handles[0], "reel", "t", "c"),
        at,
    )
    later = at + dt.timedelta(hours=10)
    assert cached.followers(handles[0], later) == plain.followers(handles[0], later)
