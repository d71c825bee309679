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
from toby_pipelines.credentials.cipher import new_key
from toby_pipelines.credentials.store import open_store
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.loop.measure import capture_snapshots
from toby_pipelines.loop.publish import publish_due
from toby_pipelines.platforms.instagram.platform import InstagramPlatform, InstagramSettings
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.live_platforms import LivePlatformsResource
from toby_pipelines.resources.media import MediaResource
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
    monkeypatch.setenv("TOBY_SECRET_KEY", new_key())  # tokens are stored encrypted with it
    build_world(database)
    with database.transaction() as connection:
        for brand, (ig_id, _) in BRANDS.items():
            set_external_id(connection, brand, "instagram", ig_id)
    store = open_store(database)
    for brand, (_, token) in BRANDS.items():
        store.link(brand, "instagram", token)
    return database


def ig_platform(database, graph, sleep):
    return InstagramPlatform(
        database,
        open_store(database).token_for("instagram"),
        InstagramSettings(base_url=graph.server.url),
        sleep=sleep,
    )


def rows(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def plan_and_render(database, database_url):
    """The real tick fills the buffer (simulated platform idle); a renderer hosts the media."""
    TICK.execute_in_process(
        resources=default_resources(
            database=TobyDatabaseResource(url=database_url),
            clock=ClockResource(frozen_at=START.isoformat()),
            media=MediaResource(render=False),
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
        platform=LivePlatformsResource(database=database, instagram_base_url=graph.server.url),
        clock=ClockResource(frozen_at=at.isoformat()),
        media=MediaResource(render=False),  # hosted URLs are set by hand here
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
    platform = ig_platform(world, graph, slept.append)

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
    platform = ig_platform(world, graph, lambda s: None)
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
    platform = ig_platform(world, graph, lambda s: None)  # the next run's
    summary = capture_snapshots(world, platform, START.date(), late + dt.timedelta(minutes=5))
    assert len(summary.snapshots) == 2
    assert rows(world, "SELECT COUNT(*) FROM metrics_snapshots WHERE views = 700")[0][0] == 2
    assert rows(world, "SELECT COUNT(*) FROM capture_failures")[0][0] == 0


# --- issue 9: measuring on a live platform, one post or brand at a time ----------------------

LATE = START + dt.timedelta(hours=15, minutes=5)  # the 09:00 reels' 6h checkpoint has passed
INSIGHTS = {"views": 700, "reach": 650, "likes": 30, "comments": 1, "shares": 2, "saved": 5}


def published_reels(world, database_url, graph):
    """Both brands' 09:00 reels published on the local Graph API, with insights: {brand: media}."""
    plan_and_render(world, database_url)
    publish_due(world, live_platform(world, graph), NINE)
    media = {brand: graph.published_media(ig)[0]["id"] for brand, (ig, _) in BRANDS.items()}
    for media_id in media.values():
        graph.insights[media_id] = dict(INSIGHTS)
    return media


def live_platform(world, graph):
    return ig_platform(world, graph, lambda s: None)


def snapshots(world):
    return {
        r.post_id.split(":")[0]: r
        for r in rows(
            world, "SELECT post_id, checkpoint, views, observed_at FROM metrics_snapshots"
        )
    }


def test_a_token_rejected_while_measuring_costs_only_its_brand(world, database_url, graph):
    """Defect 1: an AttributeError here lost every brand's day."""
    published_reels(world, database_url, graph)
    graph.accounts[BRANDS["u1-b1"][0]].token = "EAAG-rotated"  # b1's token is now stale
    summary = capture_snapshots(world, live_platform(world, graph), START.date(), LATE)
    assert set(snapshots(world)) == {"u1-b0"}
    assert summary.brands_needing_reauth == ["u1-b1"]
    [(brand, status, reason)] = rows(world, "SELECT brand_id, status, reason FROM capture_failures")
    assert (brand, status) == ("u1-b1", "retrying") and "access token" in reason
    flagged = rows(world, "SELECT brand_id, blocked_reason FROM platform_accounts WHERE needs_reauth_since IS NOT NULL")  # fmt: skip
    assert [b for b, _ in flagged] == ["u1-b1"] and flagged[0][1].startswith("token_rejected")


@pytest.mark.parametrize(
    "fault",
    ["deleted", "throttled_past_the_ceiling", "four_failed_attempts"],
)
def test_any_other_measuring_error_costs_only_its_post(world, database_url, graph, fault):
    """Defect 2: a deleted media, a long throttle or exhausted retries failed every brand's day."""
    media = published_reels(world, database_url, graph)
    b1_media = media["u1-b1"]
    if fault == "deleted":
        graph.product_type.pop(b1_media)  # the owner deleted it: code 100, "does not exist"
    elif fault == "throttled_past_the_ceiling":
        graph.server.fail_next(
            f"/{b1_media}/insights",
            Reply(400, {"error": {"message": "(#4) Application request limit reached", "code": 4}},
                  {"X-Business-Use-Case-Usage": '{"1": [{"estimated_time_to_regain_access": 60}]}'}),
        )  # fmt: skip
    else:
        graph.server.fail_next(f"/{b1_media}/insights", Reply(503, raw=b"unavailable"), times=4)
    summary = capture_snapshots(world, live_platform(world, graph), START.date(), LATE)
    assert set(snapshots(world)) == {"u1-b0"}  # the other brand's day is complete
    failures = rows(world, "SELECT brand_id, status FROM capture_failures")
    if fault == "deleted":
        assert summary.deleted_posts == [f"u1-b1:reel:{NINE:%Y%m%dT%H%MZ}"] and failures == []
        [(deleted_at,)] = rows(world, "SELECT deleted_at FROM scheduled_posts WHERE media_id = :m", m=b1_media)  # fmt: skip
        assert deleted_at is not None
        calls = len(graph.server.requests)
        capture_snapshots(world, live_platform(world, graph), START.date(), LATE)
        assert not any(b1_media in r.path for r in graph.server.requests[calls:])  # not measured
    else:
        assert failures == [("u1-b1", "retrying")]
        # The retry lands once the platform recovers, and loses nothing.
        capture_snapshots(world, live_platform(world, graph), START.date(), LATE + dt.timedelta(minutes=10))  # fmt: skip
        assert set(snapshots(world)) == {"u1-b0", "u1-b1"}
        assert rows(world, "SELECT COUNT(*) FROM capture_failures")[0][0] == 0


def test_a_revoked_insights_permission_flags_the_brand_instead_of_storing_nulls(
    world, database_url, graph
):
    """Defect 4: code 10 was read as "not enough viewers" whatever it said."""
    media = published_reels(world, database_url, graph)
    graph.server.fail_next(
        f"/{media['u1-b0']}/insights",
        Reply(403, {"error": {"message": "(#10) Application does not have permission for this action", "code": 10}}),
    )  # fmt: skip
    capture_snapshots(world, live_platform(world, graph), START.date(), LATE)
    assert set(snapshots(world)) == {"u1-b1"}  # no row of NULLs for b0
    [(reason,)] = rows(world, "SELECT blocked_reason FROM platform_accounts WHERE brand_id = 'u1-b0'")  # fmt: skip
    assert reason.startswith("permission_denied")


def test_reel_watch_time_is_stored(world, database_url, graph):
    """Defect 13: the second insights call of every reel was made and thrown away."""
    media = published_reels(world, database_url, graph)
    graph.insights[media["u1-b0"]].update(
        ig_reels_avg_watch_time=6100, ig_reels_video_view_total_time=2_400_000
    )
    capture_snapshots(world, live_platform(world, graph), START.date(), LATE)
    stored = rows(world, "SELECT post_id, avg_watch_time_ms, total_watch_time_ms FROM metrics_snapshots ORDER BY post_id")  # fmt: skip
    assert [(a, t) for _, a, t in stored] == [(6100, 2_400_000), (None, None)]


def test_a_live_snapshot_is_never_overwritten_and_a_late_one_says_so(world, database_url, graph):
    """Defect 12: a backfill re-captured old checkpoints with today's cumulative numbers."""
    media = published_reels(world, database_url, graph)
    capture_snapshots(world, live_platform(world, graph), START.date(), LATE)
    for media_id in media.values():
        graph.insights[media_id]["views"] = 50_000  # a week later, the cumulative count
    backfill_at = START + dt.timedelta(days=7)
    capture_snapshots(world, live_platform(world, graph), START.date(), backfill_at)
    stored = snapshots(world)
    assert {b: s.views for b, s in stored.items()} == {"u1-b0": 700, "u1-b1": 700}
    # Captured 5 minutes after its 15:00 checkpoint: the observation time says so.
    from toby_pipelines.storage.database import utc

    assert utc(stored["u1-b0"].observed_at) == LATE


def test_an_api_that_echoes_the_token_puts_it_nowhere(world, database_url, graph, capsys):
    """Defect 10: an error text carrying the bearer token landed in the database and metadata."""
    media = published_reels(world, database_url, graph)
    token = BRANDS["u1-b0"][1]
    graph.server.fail_next(
        f"/{media['u1-b0']}/insights",
        Reply(400, {"error": {"message": f"Invalid request header Authorization: Bearer {token}", "code": 1}}),
        times=10,
    )  # fmt: skip
    instance = dg.DagsterInstance.ephemeral()
    result = LEARN.execute_in_process(
        resources=instagram_resources(database_url, graph, LATE),
        instance=instance,
        partition_key=START.date().isoformat(),
    )
    assert [r[0] for r in rows(world, "SELECT brand_id FROM capture_failures")] == ["u1-b0"]
    stored = " ".join(
        str(value)
        for table in ("capture_failures", "toby_activity_log", "scheduled_posts", "incidents", "unit_failures")
        for row in rows(world, f"SELECT * FROM {table}")
        for value in row
    )  # fmt: skip
    events = " ".join(str(entry) for entry in instance.all_logs(result.run_id))  # every event
    output = capsys.readouterr()
    for text in (stored, events, output.out, output.err):
        assert token not in text
    assert "[redacted]" in stored


def test_an_outage_opens_the_platform_circuit_once_and_the_next_run_closes_it(
    world, database_url, graph
):
    published_reels(world, database_url, graph)
    graph.server.fail_next("/insights", Reply(503, raw=b"Service Unavailable"), times=50)
    platform = live_platform(world, graph)
    capture_snapshots(world, platform, START.date(), LATE)
    assert platform.circuit.is_open
    # The fifth failure in a row opens the circuit; the two brands are measured in parallel,
    # so the other brand's call already in flight may still land (a sixth), none after it.
    assert 5 <= sum("/insights" in r.path for r in graph.server.requests) <= 6
    graph.server.faults.clear()
    capture_snapshots(world, live_platform(world, graph), START.date(), LATE + dt.timedelta(minutes=10))  # fmt: skip
    assert set(snapshots(world)) == {"u1-b0", "u1-b1"}
    states = rows(world, "SELECT state FROM incidents WHERE subject = 'platform:instagram' ORDER BY created_at")  # fmt: skip
    assert [s for (s,) in states] == ["open", "closed"]


def test_a_spent_quota_makes_the_post_wait_for_the_window_not_fail(world, database_url, graph):
    """Defect 9: reaching the 24-hour publishing quota failed the post for good."""
    plan_and_render(world, database_url)
    graph.quota_usage = graph.quota_total
    summary = publish_due(world, live_platform(world, graph), NINE)
    assert summary.failed == [] and len(summary.retrying) == 2
    waiting = rows(world, "SELECT status, next_attempt_at FROM scheduled_posts WHERE slot_at = :t", t=NINE)  # fmt: skip
    assert {s for s, _ in waiting} == {"publishing"}
    from toby_pipelines.storage.database import utc

    assert {utc(n) for _, n in waiting} == {NINE + dt.timedelta(hours=1)}
    assert publish_due(world, live_platform(world, graph), NINE + dt.timedelta(minutes=30)).retrying == []  # fmt: skip
    graph.quota_usage = 0  # the window moved on
    later = publish_due(world, live_platform(world, graph), NINE + dt.timedelta(hours=1))
    assert len(later.published) == 2


def test_a_refused_token_refresh_flags_only_that_brand(world, database_url, graph, monkeypatch):
    """A token in its last week is refreshed; when Meta refuses, only that brand stops."""
    published_reels(world, database_url, graph)
    with world.transaction() as connection:  # b1's token expires in 3 days, linked long ago
        connection.execute(
            sa.text("UPDATE platform_credentials SET expires_at = :e, obtained_at = :o WHERE brand_id = 'u1-b1'"),
            {"e": dt.datetime.now(dt.UTC) + dt.timedelta(days=3), "o": dt.datetime.now(dt.UTC) - dt.timedelta(days=57)},
        )  # fmt: skip
    graph.accounts[BRANDS["u1-b1"][0]].token = "EAAG-revoked-elsewhere"  # so the refresh fails
    database = TobyDatabaseResource(url=database_url)
    resource = LivePlatformsResource(
        database=database,
        platforms=["instagram"],
        instagram_base_url=graph.server.url,
        instagram_refresh_url=graph.server.url,
    )
    capture_snapshots(world, resource.get(), START.date(), LATE)
    assert set(snapshots(world)) == {"u1-b0"}
    flagged = rows(world, "SELECT brand_id FROM platform_accounts WHERE needs_reauth_since IS NOT NULL")  # fmt: skip
    assert flagged == [("u1-b1",)]
    assert any("/refresh_access_token" in r.path for r in graph.server.requests)
