"""Instagram behind the loop's real assets and steps, against a local Graph API server and a
real database (SQLite file and PostgreSQL).

Protects what ends up in the tables when the platform misbehaves: each post is published once
however often publishing is retried, a container still in progress is resumed on the next tick,
a rejected token flags its brand and stops nothing else, unavailable insights are stored as
NULL (and a post without views is not scored), and a failed capture writes nothing, so no
snapshot is lost once the platform recovers.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.fakes.graph_api import FakeGraph
from tests.fakes.http_server import Reply, served
from tests.world import START, build_world
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.loop.measure import capture_snapshots
from toby_pipelines.loop.publish import publish_due
from toby_pipelines.platforms.instagram.platform import (
    TOKEN_PREFIX,
    InstagramPlatform,
    InstagramSettings,
)
from toby_pipelines.platforms.tokens import token_variable
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.instagram import InstagramPlatformResource
from toby_pipelines.storage.platform_state import set_external_id, set_media_urls

DEFS = load_defs()
TICK = DEFS.resolve_job_def("toby_tick_job")
LEARN = DEFS.resolve_job_def("learning_job")
BRANDS = {"u1-b0": ("17841400000000010", "EAAG-b0-secret"), "u1-b1": ("17841400000000011", "EAAG-b1-secret")}  # fmt: skip
NINE = START + dt.timedelta(hours=9)


@pytest.fixture
def graph():
    fake = FakeGraph()
    for ig_id, token in BRANDS.values():
        fake.add_account(ig_id, token, followers=5000)
    with served(fake):
        yield fake


@pytest.fixture
def world(database, graph, monkeypatch):
    build_world(database)
    with database.transaction() as connection:
        for brand, (ig_id, token) in BRANDS.items():
            set_external_id(connection, brand, "instagram", ig_id)
            monkeypatch.setenv(token_variable(TOKEN_PREFIX, brand), token)
    return database


def rows(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def plan_and_render(database, database_url):
    """The real tick fills the buffer (simulated platform idle); a renderer hosts the media."""
    TICK.execute_in_process(
        resources=default_resources(
            database=TobyDatabaseResource(url=database_url),
            clock=ClockResource(frozen_at=START.isoformat()),
        ),
        instance=dg.DagsterInstance.ephemeral(),
    )
    with database.transaction() as connection:
        for post_id, content_type in connection.execute(
            sa.text("SELECT id, content_type FROM scheduled_posts")
        ).all():
            urls = ["https://cdn.example/v.mp4"] if content_type == "reel" else [
                "https://cdn.example/1.jpg", "https://cdn.example/2.jpg"]  # fmt: skip
            set_media_urls(connection, post_id, urls)


def instagram_resources(database_url, graph, at):
    database = TobyDatabaseResource(url=database_url)
    return default_resources(
        database=database,
        platform=InstagramPlatformResource(database=database, base_url=graph.server.url),
        clock=ClockResource(frozen_at=at.isoformat()),
    )


def test_real_assets_publish_once_per_post_and_store_insights_with_nulls(
    world, database_url, graph
):
    plan_and_render(world, database_url)
    instance = dg.DagsterInstance.ephemeral()
    for _ in range(2):  # a repeated tick publishes nothing new
        TICK.execute_in_process(
            resources=instagram_resources(database_url, graph, NINE), instance=instance
        )
    for brand, (ig_id, token) in BRANDS.items():
        [media] = graph.published_media(ig_id)
        [(media_id,)] = rows(
            world,
            "SELECT media_id FROM scheduled_posts WHERE brand_id = :b AND status = 'published'",
            b=brand,
        )
        assert media_id == media["id"]
        # Only this brand's token ever touched this brand's account.
        for request in graph.server.requests:
            if ig_id in request.path:
                assert request.headers["authorization"] == f"Bearer {token}"
    b0_media = graph.published_media(BRANDS["u1-b0"][0])[0]["id"]
    b1_media = graph.published_media(BRANDS["u1-b1"][0])[0]["id"]
    graph.insights[b0_media] = {"views": 1800, "reach": 1500, "likes": 90, "comments": 4, "shares": 12, "saved": 20}  # fmt: skip
    graph.not_enough_viewers.add(b1_media)

    late = START + dt.timedelta(hours=23)
    LEARN.execute_in_process(
        resources=instagram_resources(database_url, graph, late),
        instance=instance,
        partition_key=START.date().isoformat(),
    )
    snaps = {
        r.post_id.split(":")[0]: r
        for r in rows(
            world,
            "SELECT post_id, views, saves, follows FROM metrics_snapshots WHERE checkpoint = '6h'",
        )
    }
    assert (snaps["u1-b0"].views, snaps["u1-b0"].saves, snaps["u1-b0"].follows) == (1800, 20, None)
    assert (snaps["u1-b1"].views, snaps["u1-b1"].saves) == (None, None)  # not 0


def test_a_stuck_container_is_resumed_and_a_rejected_token_stops_only_its_brand(
    world, database_url, graph
):
    plan_and_render(world, database_url)
    graph.polls_until_finished = 7  # longer than one tick's 5-minute polling window
    graph.accounts[BRANDS["u1-b1"][0]].token = "EAAG-rotated"  # b1's stored token is now stale
    slept: list[float] = []
    platform = InstagramPlatform(
        world, InstagramSettings(base_url=graph.server.url), sleep=slept.append
    )

    first = publish_due(world, platform, NINE)
    assert first.published == [] and len(first.retrying) == 1 and len(first.failed) == 1
    [(status, container)] = rows(world, "SELECT status, container_id FROM scheduled_posts WHERE brand_id = 'u1-b0' AND slot_at = :t", t=NINE)  # fmt: skip
    assert status == "publishing" and container is not None
    [(flagged,)] = rows(
        world, "SELECT needs_reauth_since FROM platform_accounts WHERE brand_id = 'u1-b1'"
    )
    assert flagged is not None
    assert rows(world, "SELECT COUNT(*) FROM toby_activity_log WHERE description LIKE '%reconnect the account%'")[0][0] == 1  # fmt: skip
    # Secrets appear nowhere a person reads.
    logged = " ".join(r[0] for r in rows(world, "SELECT description FROM toby_activity_log"))
    errors = " ".join(r[0] or "" for r in rows(world, "SELECT error FROM scheduled_posts"))
    assert "EAAG" not in logged + errors

    second = publish_due(world, platform, NINE + dt.timedelta(minutes=5))
    assert len(second.published) == 1
    assert len(graph.published_media(BRANDS["u1-b0"][0])) == 1
    assert len(graph.containers) == 1  # resumed, never re-created
    assert graph.published_media(BRANDS["u1-b1"][0]) == []


def test_a_failed_capture_is_recorded_and_a_later_one_loses_nothing(world, database_url, graph):
    plan_and_render(world, database_url)
    platform = InstagramPlatform(
        world, InstagramSettings(base_url=graph.server.url), sleep=lambda s: None
    )
    publish_due(world, platform, NINE)
    for ig_id, _ in BRANDS.values():
        media = graph.published_media(ig_id)[0]["id"]
        graph.insights[media] = {"views": 700, "reach": 650, "likes": 30, "comments": 1, "shares": 2, "saved": 5}  # fmt: skip
    late = START + dt.timedelta(hours=15)
    graph.server.fail_next("/insights", Reply(503, raw=b"Service Unavailable"), times=50)
    summary = capture_snapshots(world, platform, START.date(), late)
    assert summary.snapshots == [] and len(summary.failed) == 2
    assert {f.status for f in summary.failed} == {"retrying"}
    assert rows(world, "SELECT COUNT(*) FROM metrics_snapshots")[0][0] == 0
    assert rows(world, "SELECT COUNT(*) FROM capture_failures WHERE status = 'retrying'")[0][0] == 2
    graph.server.faults.clear()
    graph.server.fail_next("/insights", Reply(500, {"error": {"message": "x", "code": 2, "is_transient": True}}), times=2)  # fmt: skip
    summary = capture_snapshots(world, platform, START.date(), late + dt.timedelta(minutes=5))
    assert len(summary.snapshots) == 2
    assert rows(world, "SELECT COUNT(*) FROM metrics_snapshots WHERE views = 700")[0][0] == 2
    assert rows(world, "SELECT COUNT(*) FROM capture_failures")[0][0] == 0
