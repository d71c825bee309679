"""X behind the loop's steps, against a local X API server and a real database (SQLite file
and PostgreSQL): each post tweeted once however often publishing repeats, metrics of a day's
posts fetched in one batched lookup, impressions stored as views and what X does not report
(reach, follows) as NULL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.world import START, build_world
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.credentials.cipher import new_key
from toby_pipelines.credentials.store import open_store
from toby_pipelines.loop.measure import capture_snapshots
from toby_pipelines.loop.plan import fill_buffer
from toby_pipelines.loop.publish import publish_due
from toby_pipelines.platforms.x.platform import XPlatform
from toby_pipelines.storage.platform_state import set_external_id


@pytest.fixture
def world(database, x, monkeypatch):
    monkeypatch.setenv("TOBY_SECRET_KEY", new_key())  # tokens are stored encrypted with it
    build_world(database, brands_per_user=1)
    with database.transaction() as connection:
        connection.execute(sa.text("UPDATE platform_accounts SET platform = 'x'"))
        set_external_id(connection, "u1-b0", "x", x.user_id)
    open_store(database).link("u1-b0", "x", x.token)
    fill_buffer(database, TemplateContentGenerator().generate, START)
    return database


def rows(database, sql):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql)).all()


def test_tweets_once_and_measures_in_one_batched_lookup(world, x):
    platform = XPlatform(
        world, open_store(world).token_for("x"), base_url=x.server.url, sleep=lambda s: None
    )
    evening = START + dt.timedelta(hours=17)
    for _ in range(2):  # the day's posts at once (so one lookup measures them all), twice
        publish_due(world, platform, evening, grace=dt.timedelta(days=1))
    assert len(x.tweets) == 3  # 09:00 and 17:00 reels, 12:00 carousel
    published = rows(
        world, "SELECT media_id, caption FROM scheduled_posts WHERE status = 'published'"
    )
    assert {m for m, _ in published} == set(x.tweets)
    assert {x.tweets[m]["text"] for m, _ in published} == {c for _, c in published}
    for tweet_id in x.tweets:
        x.tweets[tweet_id]["public_metrics"].update(
            impression_count=900, like_count=40, bookmark_count=6
        )

    lookups_before = sum(r.path == "/2/tweets" and r.method == "GET" for r in x.server.requests)
    summary = capture_snapshots(
        world, platform, START.date(), START + dt.timedelta(hours=23, minutes=30)
    )
    lookups = (
        sum(r.path == "/2/tweets" and r.method == "GET" for r in x.server.requests) - lookups_before
    )
    assert len(summary.snapshots) == 3 and lookups == 1
    stored = rows(world, "SELECT views, reach, likes, saves, follows FROM metrics_snapshots")
    assert stored == [(900, None, 40, 6, None)] * 3
