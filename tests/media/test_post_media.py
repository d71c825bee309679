"""`post_media` through the real tick job (issue 10): posts due within the next hours get their
media rendered and hosted, nothing is rendered twice, a changed text is rendered anew, and on
Instagram (a local Graph API that downloads every media URL, as Instagram does, from a local
HTTP server hosting the embedded store) a reel and a carousel go from plan to published."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.fakes.graph_api import FakeGraph
from tests.fakes.http_server import Reply, served
from tests.fakes.image_api import FakeImages
from tests.world import START, build_world, register_accounts
from toby_pipelines.credentials.cipher import new_key
from toby_pipelines.credentials.store import open_store
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.live_platforms import LivePlatformsResource
from toby_pipelines.resources.media import MediaResource
from toby_pipelines.resources.platform import SimulatedPlatformResource
from toby_pipelines.storage.platform_state import set_external_id

TICK = load_defs().resolve_job_def("toby_tick_job")


def rows(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


@pytest.fixture
def media_server(tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def simulated(database_url, at, root, base_url):
    database = TobyDatabaseResource(url=database_url)
    return default_resources(
        database=database,
        platform=SimulatedPlatformResource(database=database),
        clock=ClockResource(frozen_at=at.isoformat()),
        media=MediaResource(root=str(root), base_url=base_url),
    )


def test_media_are_rendered_once_ahead_of_their_slot_and_again_when_the_text_changes(
    database, database_url, media_server
):
    root, base_url = media_server
    build_world(database, brands_per_user=1)
    register_accounts(database, simulated(database_url, START, root, base_url)["platform"].get())
    instance = dg.DagsterInstance.ephemeral()
    TICK.execute_in_process(
        resources=simulated(database_url, START, root, base_url), instance=instance
    )
    assert rows(database, "SELECT COUNT(*) FROM post_media")[0][0] == 0  # 09:00 is 9 hours away
    early = START + dt.timedelta(hours=7)  # the 09:00 reel and the 12:00 carousel are due soon
    TICK.execute_in_process(
        resources=simulated(database_url, early, root, base_url), instance=instance
    )
    media = rows(database, "SELECT post_id, kind, media_key, name, url FROM post_media ORDER BY post_id, position")  # fmt: skip
    kinds = {post.split(":")[1]: {k for p, k, *_ in media if p == post} for post, *_ in media}
    assert kinds == {"reel": {"video"}, "carousel": {"image"}}
    for _, _, key, name, url in media:
        assert (root / key / name).is_file() and url == f"{base_url}/{key}/{name}"
    [(urls,)] = rows(database, "SELECT media_urls FROM scheduled_posts WHERE id = 'u1-b0:reel:20260302T0900Z'")  # fmt: skip
    assert urls.endswith('/reel.mp4"]')
    # A repeated tick renders nothing; a changed text renders that post anew.
    again = TICK.execute_in_process(
        resources=simulated(database_url, early, root, base_url), instance=instance
    )
    rendered = again.asset_materializations_for_node("post_media")[0].metadata["rendered"].value
    assert rendered == 0
    with database.transaction() as connection:
        connection.execute(sa.text("UPDATE scheduled_posts SET title = 'A New Title' WHERE id = 'u1-b0:carousel:20260302T1200Z'"))  # fmt: skip
    third = TICK.execute_in_process(
        resources=simulated(database_url, early, root, base_url), instance=instance
    )
    assert third.asset_materializations_for_node("post_media")[0].metadata["rendered"].value == 1
    keys = rows(database, "SELECT DISTINCT media_key FROM post_media WHERE post_id = 'u1-b0:carousel:20260302T1200Z'")  # fmt: skip
    assert len(keys) == 1 and keys[0][0] != next(k for p, _, k, *_ in media if "carousel" in p)


def test_a_reel_and_a_carousel_go_from_plan_to_published_on_instagram(
    database, database_url, media_server, monkeypatch
):
    root, base_url = media_server
    monkeypatch.setenv("TOBY_SECRET_KEY", new_key())
    build_world(database, brands_per_user=1)
    graph = FakeGraph(fetch_media=True)
    graph.add_account("17841400000000080", "EAAG-media-token")
    with database.transaction() as connection:
        set_external_id(connection, "u1-b0", "instagram", "17841400000000080")
    open_store(database).link("u1-b0", "instagram", "EAAG-media-token")
    images = FakeImages()  # an images API that is down: the plain design stands in
    monkeypatch.setenv("TOBY_IMAGE_API_KEY", images.key)
    with served(graph), served(images):
        images.server.fail_next("/v1/images", Reply(500, {"error": {"message": "down"}}), times=100)

        def tick(at):
            resources = default_resources(
                database=TobyDatabaseResource(url=database_url),
                platform=LivePlatformsResource(
                    database=TobyDatabaseResource(url=database_url), platforms=["instagram"],
                    instagram_base_url=graph.server.url,
                ),
                clock=ClockResource(frozen_at=at.isoformat()),
                media=MediaResource(
                    root=str(root), base_url=base_url, image_base_url=images.server.url,
                    image_model="img-1", image_api_key=dg.EnvVar("TOBY_IMAGE_API_KEY"),
                ),
            )  # fmt: skip
            TICK.execute_in_process(resources=resources, instance=dg.DagsterInstance.ephemeral())

        for hours in (0, 7, 9, 12):
            tick(START + dt.timedelta(hours=hours))
    published = rows(database, "SELECT id, content_type, media_urls FROM scheduled_posts WHERE status = 'published'")  # fmt: skip
    assert {kind for _, kind, _ in published} == {"reel", "carousel"}
    assert len(graph.published_media("17841400000000080")) == 2
    # Instagram downloaded exactly the files Toby rendered, from where Toby hosts them.
    for url, content in graph.fetched.items():
        key, name = url.removeprefix(base_url + "/").split("/")
        assert (Path(root) / key / name).read_bytes() == content
    fallbacks = rows(database, "SELECT COUNT(*) FROM toby_activity_log WHERE action_type = 'media_fallback'")  # fmt: skip
    rendered = rows(database, "SELECT COUNT(DISTINCT post_id) FROM post_media")[0][0]
    assert rendered == 3  # the 09:00 reel, the 12:00 carousel, and at noon the 17:00 reel
    # Each fell back once, after 3 tries, and was not asked for again on later ticks.
    assert fallbacks[0][0] == rendered and len(images.server.requests) == 3 * rendered
    carousel = next(urls for _, kind, urls in published if kind == "carousel")
    assert sum(u in graph.fetched for u in carousel.strip("[]").replace('"', "").split(", ")) >= 3
