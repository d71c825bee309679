"""Discovery against the local Graph API server and a real database (SQLite file and
PostgreSQL): own media, a competitor's posts (business discovery) and a hashtag's top media land
in discovery_findings with the brand topic they are about; a scan runs again only when due; a
throttled scan stays due; a rejected token flags its brand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from tests.fakes.graph_api import FakeGraph, graph_error
from tests.fakes.http_server import Reply, served
from tests.world import START, build_world
from toby_pipelines.loop.discover import run_discovery
from toby_pipelines.platforms.instagram.platform import InstagramPlatform, InstagramSettings
from toby_pipelines.storage.discovery import add_target
from toby_pipelines.storage.platform_state import set_external_id

IG, TOKEN = "17841400000000020", "EAAG-disc-secret"


def media(media_id: str, caption: str, likes: int) -> dict:
    return {"id": media_id, "caption": caption, "media_type": "IMAGE", "like_count": likes,
            "comments_count": 3, "permalink": f"https://www.instagram.com/p/{media_id}/",
            "timestamp": "2026-03-01T10:00:00+0000"}  # fmt: skip


@pytest.fixture
def graph():
    fake = FakeGraph()
    fake.add_account(IG, TOKEN)
    fake.add_media(IG, "own1", "REELS", caption="Our stress reset routine")
    fake.competitors["rivalhealth"] = [
        media(f"r{i}", "Sleep better tonight", 5000 + i) for i in range(4)
    ]
    fake.hashtags["sleep"] = (
        "17843853986012965",
        [media(f"h{i}", "sleep hygiene 101", 9000 - i) for i in range(6)],
    )
    with served(fake):
        yield fake


@pytest.fixture
def world(database):
    build_world(database, brands_per_user=1)
    with database.transaction() as connection:
        set_external_id(connection, "u1-b0", "instagram", IG)
        add_target(connection, "u1-b0", "competitor", "@RivalHealth")
        add_target(connection, "u1-b0", "hashtag", "#sleep")
        connection.execute(sa.text("UPDATE toby_state SET phase = 'optimizing'"))
    return database


def platform_for(world, graph) -> InstagramPlatform:
    return InstagramPlatform(world, lambda brand: TOKEN, InstagramSettings(base_url=graph.server.url),
                             sleep=lambda s: None)  # fmt: skip


def count(world, sql) -> int:
    with world.engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def test_scans_store_findings_with_topics_and_rerun_only_when_due(world, graph):
    platform = platform_for(world, graph)
    first = run_discovery(world, platform.discover, START)
    assert {(s.kind, s.target, n) for s, n in first.scanned} == {
        ("own", "u1-b0", 1), ("competitor", "rivalhealth", 4), ("hashtag", "sleep", 6)}  # fmt: skip
    assert count(world, "SELECT COUNT(*) FROM discovery_findings") == 11
    assert (
        count(world, "SELECT COUNT(*) FROM discovery_findings WHERE topic_bucket = 'sleep'") == 10
    )
    assert (
        count(world, "SELECT COUNT(*) FROM discovery_findings WHERE topic_bucket = 'stress'") == 1
    )
    assert first.trending == {"u1-b0": ["sleep"]}

    seven = run_discovery(world, platform.discover, START + dt.timedelta(hours=7))
    assert [s.kind for s, _ in seven.scanned] == ["own"]
    nine = run_discovery(world, platform.discover, START + dt.timedelta(hours=9))
    assert [s.kind for s, _ in nine.scanned] == ["competitor"]  # own ran at 7h: due again at 13h


def test_a_throttled_scan_stays_due_and_a_rejected_token_flags_the_brand(world, graph):
    usage = {IG: [{"call_count": 100, "estimated_time_to_regain_access": 30}]}
    graph.server.fail_next("ig_hashtag_search", Reply(400, graph_error(80002, "Too many calls").body,
                                                     {"X-Business-Use-Case-Usage": json.dumps(usage)}))  # fmt: skip
    platform = platform_for(world, graph)
    first = run_discovery(world, platform.discover, START)
    assert [(s.kind, why) for s, why in first.postponed] == [("hashtag", "RateLimitedError")]
    # The brand's rate limit is spent: its own scan waited too; both run on a later tick.
    assert [s.kind for s, _ in first.scanned] == ["competitor"]
    later = run_discovery(world, platform.discover, START + dt.timedelta(minutes=40))
    assert sorted(s.kind for s, _ in later.scanned) == ["hashtag", "own"]

    graph.accounts[IG].token = "EAAG-rotated"
    expired = run_discovery(world, platform.discover, START + dt.timedelta(hours=13))
    assert expired.brands_needing_reauth == ["u1-b0"] and expired.scanned == []
    assert (
        count(world, "SELECT COUNT(*) FROM platform_accounts WHERE needs_reauth_since IS NOT NULL")
        == 1
    )


def test_the_discovery_flag_off_scans_nothing_for_that_user(world, graph):
    from toby_pipelines.storage.toby_state import set_features

    with world.transaction() as connection:
        set_features(connection, "u1", {"discovery": False}, START)
    run_discovery(world, platform_for(world, graph).discover, START)
    assert count(world, "SELECT COUNT(*) FROM discovery_findings") == 0
    with world.transaction() as connection:
        set_features(connection, "u1", {"discovery": True}, START)
    run_discovery(world, platform_for(world, graph).discover, START)
    assert count(world, "SELECT COUNT(*) FROM discovery_findings") > 0
