"""Optional AI backgrounds (issue 10, spec section 13): with an OpenAI-compatible images API (a
real local server here), a post is rendered on an AI background under a scrim that keeps the
text at 4.5:1 against the real pixels, and its cost lands in ai_usage; when the API fails,
after its 3 tries the post gets the plain design in its light variant and no slot is left
without media."""

from __future__ import annotations

import datetime as dt

import numpy as np
import sqlalchemy as sa
from PIL import Image

from tests.fakes.http_server import Reply, served
from tests.fakes.image_api import FakeImages
from tests.world import START, build_world
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.loop.plan import fill_buffer
from toby_pipelines.loop.render import render_due
from toby_pipelines.media.compose import CAROUSEL, photo_background
from toby_pipelines.media.contrast import AA_NORMAL_TEXT, min_contrast_against
from toby_pipelines.media.image_api import ImageApiClient
from toby_pipelines.media.store import LocalMediaStore
from toby_pipelines.media.styles import STYLE_NAMES, VARIANTS, style_for


def rows(database, sql):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql)).all()


def planned(database):
    build_world(database, brands_per_user=1)
    fill_buffer(database, TemplateContentGenerator().generate, START)


def test_posts_get_ai_backgrounds_and_their_cost_is_recorded(database, tmp_path):
    planned(database)
    with served(FakeImages()) as images:
        client = ImageApiClient(images.key, "img-model-1", images.server.url, 0.04, sleep=lambda s: None)  # fmt: skip
        store = LocalMediaStore(tmp_path, "http://127.0.0.1:8090")
        summary = render_due(database, store, tmp_path, START + dt.timedelta(hours=7), images=client)  # fmt: skip
    assert len(summary.rendered) == 2 and summary.fallbacks == [] and images.calls == 2
    usage = rows(database, "SELECT feature_area, model, cost_usd FROM ai_usage")
    assert usage == [("image_background", "img-model-1", 0.04)] * 2


def test_a_failing_images_api_falls_back_to_the_plain_light_design(database, tmp_path):
    planned(database)
    with served(FakeImages()) as images:
        images.server.fail_next("/v1/images", Reply(503, {"error": {"message": "overloaded"}}), times=100)  # fmt: skip
        client = ImageApiClient(images.key, "img-model-1", images.server.url, 0.04, sleep=lambda s: None)  # fmt: skip
        summary = render_due(database, LocalMediaStore(tmp_path, "http://x"), tmp_path, START + dt.timedelta(hours=7), images=client)  # fmt: skip
        attempts = len(images.server.requests)
    assert attempts == 6  # 3 tries for each of the two posts
    assert len(summary.rendered) == 2 and len(summary.fallbacks) == 2
    assert rows(database, "SELECT COUNT(*) FROM ai_usage")[0][0] == 0
    assert rows(database, "SELECT COUNT(DISTINCT post_id) FROM post_media")[0][0] == 2
    logged = rows(database, "SELECT description FROM toby_activity_log WHERE action_type = 'media_fallback'")  # fmt: skip
    assert len(logged) == 2 and "plain light design" in logged[0][0]


def test_the_scrim_keeps_text_readable_on_any_photo():
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 256, (1536, 1024, 3), dtype=np.uint8))  # fmt: skip
    for name in STYLE_NAMES:
        for variant in VARIANTS:
            style = style_for(name, variant)
            base = photo_background(noisy, style, CAROUSEL)
            pixels = np.asarray(base.crop(CAROUSEL.safe)).reshape(-1, 3)
            assert min_contrast_against(style.text, pixels) >= AA_NORMAL_TEXT, (name, variant)


def test_one_posts_failed_rendering_costs_no_other_post_anything(database, tmp_path, monkeypatch):
    """A rendering that fails (a bug one post's text reaches) is logged and retried next tick;
    the other post due gets its media."""
    from toby_pipelines.loop import render

    planned(database)
    real = render.render_post

    def fails_for_reels(post, root, photo=None):
        if post.content_type == "reel":
            raise RuntimeError("the encoder gave up")
        return real(post, root, photo)

    monkeypatch.setattr(render, "render_post", fails_for_reels)
    at = START + dt.timedelta(hours=7)
    summary = render_due(database, LocalMediaStore(tmp_path, "http://x"), tmp_path, at)
    assert [p for p, _ in summary.failed] == ["u1-b0:reel:20260302T0900Z"]
    assert [p for p, _ in summary.rendered] == ["u1-b0:carousel:20260302T1200Z"]
    logged = rows(database, "SELECT description FROM toby_activity_log WHERE action_type = 'error'")
    assert any("the encoder gave up" in d for (d,) in logged)
    monkeypatch.setattr(render, "render_post", real)  # the next tick renders it
    again = render_due(database, LocalMediaStore(tmp_path, "http://x"), tmp_path, at)
    assert [p for p, _ in again.rendered] == ["u1-b0:reel:20260302T0900Z"]
