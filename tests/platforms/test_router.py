"""One deployment serves Instagram and X brands together (issue 9): each brand's posts go to,
and are measured on, its own account's platform with its own token, against local Graph API and
X API servers."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.fakes.graph_api import FakeGraph
from tests.fakes.http_server import served
from tests.world import START, build_world
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.credentials.cipher import new_key
from toby_pipelines.credentials.store import open_store
from toby_pipelines.loop.measure import capture_snapshots
from toby_pipelines.loop.plan import fill_buffer
from toby_pipelines.loop.publish import publish_due
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.live_platforms import LivePlatformsResource
from toby_pipelines.storage.platform_state import set_external_id, set_media_urls

IG, IG_TOKEN = "17841400000000070", "EAAG-router-ig-token"


def test_an_instagram_brand_and_an_x_brand_of_one_user_in_one_deployment(
    database, database_url, x, monkeypatch
):
    monkeypatch.setenv("TOBY_SECRET_KEY", new_key())
    build_world(database, brands_per_user=2)
    with database.transaction() as connection:
        connection.execute(sa.text("UPDATE platform_accounts SET platform = 'x' WHERE brand_id = 'u1-b1'"))  # fmt: skip
        set_external_id(connection, "u1-b0", "instagram", IG)
        set_external_id(connection, "u1-b1", "x", x.user_id)
    store = open_store(database)
    store.link("u1-b0", "instagram", IG_TOKEN)
    store.link("u1-b1", "x", x.token)
    fill_buffer(database, TemplateContentGenerator().generate, START)
    with database.transaction() as connection:
        for (post_id,) in connection.execute(sa.text("SELECT id FROM scheduled_posts WHERE brand_id = 'u1-b0' AND content_type = 'reel'")).all():  # fmt: skip
            set_media_urls(connection, post_id, ["https://cdn.example/v.mp4"])
    graph = FakeGraph(default_insights={"views": 600, "reach": 500, "likes": 20, "comments": 1, "shares": 1, "saved": 2})  # fmt: skip
    graph.add_account(IG, IG_TOKEN)
    with served(graph):
        platform = LivePlatformsResource(
            database=TobyDatabaseResource(url=database_url),
            instagram_base_url=graph.server.url,
            x_base_url=x.server.url,
        ).get()
        nine = START + dt.timedelta(hours=9)
        summary = publish_due(database, platform, nine)
        assert len(summary.published) == 2 and summary.failed == []
        assert len(graph.published_media(IG)) == 1 and len(x.tweets) == 1
        with database.engine.connect() as connection:
            posted = dict(connection.execute(sa.text("SELECT brand_id, platform FROM scheduled_posts WHERE status = 'published'")).all())  # fmt: skip
        assert posted == {"u1-b0": "instagram", "u1-b1": "x"}
        for tweet in x.tweets.values():
            tweet["public_metrics"]["impression_count"] = 450
        captured = capture_snapshots(database, platform, START.date(), nine + dt.timedelta(hours=6, minutes=5))  # fmt: skip
    assert sorted((s.post_id.split(":")[0], s.views) for s in captured.snapshots) == [
        ("u1-b0", 600),
        ("u1-b1", 450),
    ]
    # Each token only ever went to its own platform.
    assert all(r.headers["authorization"] == f"Bearer {IG_TOKEN}" for r in graph.server.requests)
