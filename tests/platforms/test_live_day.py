"""A live day, end to end (issue 9's acceptance scenario).

One user with three Instagram brands, through the real jobs on a real Dagster instance (its
files in a DAGSTER_HOME of the test's own) and a local Graph API server: a publish answer is
lost, one brand's token expires mid-day, one brand's media is deleted. Every other brand's
snapshots for the day are complete as run, nothing is published twice, and after the brand is
re-linked a backfill of the day fills only its missing snapshots. Then the test tokens are
searched for in a dump of the database, every file under DAGSTER_HOME and everything printed:
none is found.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.fakes.graph_api import FakeGraph
from tests.fakes.http_server import served
from tests.world import START, build_world
from toby_pipelines.cli import main as toby
from toby_pipelines.credentials.cipher import new_key
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.live_platforms import LivePlatformsResource
from toby_pipelines.resources.media import MediaResource
from toby_pipelines.storage.platform_state import set_media_urls
from toby_pipelines.strategy.dimensions import DIMENSIONS

DEFS = load_defs()
TICK = DEFS.resolve_job_def("toby_tick_job")
LEARN = DEFS.resolve_job_def("learning_job")
BRANDS = {f"u1-b{i}": (f"1784140000000005{i}", f"EAAG-live-day-token-{i}") for i in range(3)}
RELINKED = "EAAG-live-day-token-1-relinked"
INSIGHTS = {"views": 900, "reach": 800, "likes": 40, "comments": 2, "shares": 3, "saved": 7}
DAY = START.date().isoformat()


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def rows(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def link(database_url, brand, ig_id, token, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    argv = ["--database-url", database_url, "account-link", brand, "--account-id", ig_id]
    assert toby([*argv, "--token-stdin"]) == 0


@pytest.fixture
def graph():
    fake = FakeGraph(default_insights=dict(INSIGHTS))
    for ig_id, token in BRANDS.values():
        fake.add_account(ig_id, token, followers=4000)
    with served(fake):
        yield fake


def resources(database_url, graph, when):
    database = TobyDatabaseResource(url=database_url)
    return default_resources(
        database=database,
        platform=LivePlatformsResource(
            database=database, platforms=["instagram"], instagram_base_url=graph.server.url
        ),
        clock=ClockResource(frozen_at=when.isoformat()),
        media=MediaResource(render=False),  # hosted URLs are set by hand here
    )


def test_a_live_day_with_an_expired_token_a_deleted_media_and_a_lost_answer(
    database, database_url, graph, monkeypatch, tmp_path, capfd
):
    monkeypatch.setenv("TOBY_SECRET_KEY", new_key())
    build_world(database, brands_per_user=3)
    for brand, (ig_id, token) in BRANDS.items():
        link(database_url, brand, ig_id, token, monkeypatch)
    # The buffer is planned (the simulated platform is idle) and a renderer hosts the media.
    TICK.execute_in_process(
        resources=default_resources(
            database=TobyDatabaseResource(url=database_url),
            clock=ClockResource(frozen_at=START.isoformat()),
            media=MediaResource(render=False),
        ),
        instance=dg.DagsterInstance.ephemeral(),
    )
    with database.transaction() as connection:
        for post_id, kind in connection.execute(sa.text("SELECT id, content_type FROM scheduled_posts")).all():  # fmt: skip
            set_media_urls(connection, post_id, ["https://cdn.example/v.mp4"] if kind == "reel"
                           else ["https://cdn.example/1.jpg", "https://cdn.example/2.jpg"])  # fmt: skip
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(home)) as instance:

        def run(job, when, **kwargs):
            result = job.execute_in_process(
                resources=resources(database_url, graph, when), instance=instance, **kwargs
            )
            assert result.success
            return result

        graph.lose_publish_answers = 1  # the first media_publish goes through, its answer is lost
        run(TICK, at(9))
        run(TICK, at(9.1))  # the next tick resolves it instead of publishing again
        run(TICK, at(12))
        # Mid-day: b1's token expires; b2's 09:00 reel is deleted by its owner.
        graph.accounts[BRANDS["u1-b1"][0]].token = "EAAG-issued-elsewhere"
        deleted = graph.published_media(BRANDS["u1-b2"][0])[-1]["id"]  # the oldest: 09:00
        graph.product_type.pop(deleted)
        run(LEARN, at(15.1), partition_key=DAY)  # 09:00 reels reach 6h
        run(TICK, at(17))
        run(LEARN, at(18.1), partition_key=DAY)  # 12:00 carousels reach 6h
        run(LEARN, at(23.5), partition_key=DAY)  # 17:00 reels reach 6h

        # Nothing was published twice: every account holds exactly the posts marked published.
        for brand, (ig_id, _) in BRANDS.items():
            live = [m["id"] for m in graph.published_media(ig_id)]
            ours = [m for (m,) in rows(database, "SELECT media_id FROM scheduled_posts WHERE brand_id = :b AND status = 'published'", b=brand)]  # fmt: skip
            assert sorted(live) == sorted(ours) and len(set(live)) == len(live), brand
        assert len(graph.published_media(BRANDS["u1-b0"][0])) == 3
        assert len(graph.published_media(BRANDS["u1-b1"][0])) == 2  # 17:00 refused: token
        # Every other brand's snapshots of the day are complete as run.
        snaps = rows(database, "SELECT post_id, views FROM metrics_snapshots")
        by_brand = {b: sorted(p for p, _ in snaps if p.startswith(b + ":")) for b in BRANDS}
        assert len(by_brand["u1-b0"]) == 3  # 09:00 and 17:00 reels, 12:00 carousel
        assert len(by_brand["u1-b2"]) == 2  # its deleted reel is not measured
        assert by_brand["u1-b1"] == []  # waiting for re-authorization
        [(deleted_at,)] = rows(database, "SELECT deleted_at FROM scheduled_posts WHERE media_id = :m", m=deleted)  # fmt: skip
        assert deleted_at is not None
        # Its owner deleted it: learning counts it against each of its options, and only those.
        [tags] = rows(database, "SELECT t.personality, t.topic_bucket, t.hook_strategy, t.title_format, t.visual_style FROM toby_content_tags t JOIN scheduled_posts p ON p.id = t.post_id WHERE p.media_id = :m", m=deleted)  # fmt: skip
        counted = rows(database, "SELECT dimension, option_value FROM toby_strategy_scores WHERE brand_id = 'u1-b2' AND content_type = 'reel' AND deleted_posts = 1")  # fmt: skip
        assert sorted(counted) == sorted(zip(DIMENSIONS, tags, strict=True))
        waiting = dict(rows(database, "SELECT post_id || ' ' || checkpoint, status FROM capture_failures"))  # fmt: skip
        assert {p.split(":")[0] for p in waiting} == {"u1-b1"}
        # The 09:00 reel's 6h checkpoint (15:00) is past retrying by 23:30; the others retry.
        assert waiting == {
            "u1-b1:reel:20260302T0900Z 6h": "missing",
            "u1-b1:carousel:20260302T1200Z 6h": "retrying",
        }

        # Re-linked with a fresh token, a backfill of the day fills only b1's missing snapshots.
        graph.accounts[BRANDS["u1-b1"][0]].token = RELINKED
        link(database_url, "u1-b1", BRANDS["u1-b1"][0], RELINKED, monkeypatch)
        graph.default_insights = dict(INSIGHTS, views=5000)  # today's cumulative numbers
        before = dict(rows(database, "SELECT post_id || checkpoint, views FROM metrics_snapshots"))
        run(LEARN, at(25), partition_key=DAY, tags={"dagster/backfill": "relinked"})
        after = dict(rows(database, "SELECT post_id || checkpoint, views FROM metrics_snapshots"))
        assert {k: v for k, v in after.items() if k in before} == before  # facts kept
        assert {k.split(":")[0] for k in set(after) - set(before)} == {"u1-b1"}
        assert rows(database, "SELECT COUNT(*) FROM capture_failures")[0][0] == 0
        late = rows(database, "SELECT observed_at, checkpoint_at FROM metrics_snapshots WHERE post_id LIKE 'u1-b1:%'")  # fmt: skip
        assert late and all(observed > checkpoint for observed, checkpoint in late)

    # No test token anywhere: database, DAGSTER_HOME, output.
    tokens = [token for _, token in BRANDS.values()] + [RELINKED]
    with database.engine.connect() as connection:
        dump = " ".join(
            str(value)
            for table in sa.inspect(connection).get_table_names()
            for row in connection.execute(sa.text(f"SELECT * FROM {table}"))
            for value in row
        )
    files = b" ".join(p.read_bytes() for p in Path(home).rglob("*") if p.is_file())
    printed = capfd.readouterr()
    for token in tokens:
        assert token not in dump
        assert token.encode() not in files
        assert token not in printed.out + printed.err
