"""Rendered media are what Instagram accepts and what the owner would expect (issue 10).

Every file is opened again and measured: carousel slides are 1080x1350 JPEGs, 2-10 of them;
reels are 1080x1920 H.264 (High, yuv420p) + AAC 48 kHz MP4s at 30 fps, 6-20 s, with the moov
atom first; the ink of every text stays inside the safe area, at every text length; text has at
least 4.5:1 contrast against the pixels it sits on; and the three visual styles differ in
pixels, typeface and layout.
"""

from __future__ import annotations

import io
import itertools

import av
import numpy as np
import pytest
from PIL import Image

from toby_pipelines.media.benchmark import LINES, TITLE  # the benchmark's post, measured here too
from toby_pipelines.media.carousel import carousel_frames, jpeg_bytes
from toby_pipelines.media.compose import CAROUSEL, REEL, background
from toby_pipelines.media.contrast import AA_NORMAL_TEXT, contrast_ratio
from toby_pipelines.media.reel import reel_scenes, render_reel
from toby_pipelines.media.render import PostToRender, render_post
from toby_pipelines.media.styles import STYLE_NAMES, VARIANTS, style_for

LONG = " ".join(["extraordinarily"] * 120)
STYLES = list(itertools.product(STYLE_NAMES, VARIANTS))


def inside(box, safe) -> bool:
    return box[0] >= safe[0] and box[1] >= safe[1] and box[2] <= safe[2] and box[3] <= safe[3]


def min_contrast(style, canvas, box) -> float:
    """Text colour against every background pixel under the text's ink bounds."""
    pixels = np.asarray(background(style, canvas).crop(box)).reshape(-1, 3)
    colours = {tuple(int(v) for v in p) for p in pixels[:: max(1, len(pixels) // 5000)]}
    return min(contrast_ratio(style.text, c) for c in colours)


@pytest.mark.parametrize(("name", "variant"), STYLES)
@pytest.mark.parametrize("title", [TITLE, LONG])
def test_carousel_slides(name, variant, title):
    style = style_for(name, variant)
    frames = carousel_frames(style, title, LINES, "glowdaily", "Glow Daily")
    assert len(frames) == 2 + len(LINES)
    for frame in frames:
        image = Image.open(io.BytesIO(jpeg_bytes(frame)))
        assert (image.format, image.size, image.mode) == ("JPEG", (1080, 1350), "RGB")
        assert frame.text_box is not None and inside(frame.text_box, CAROUSEL.safe)
        assert min_contrast(style, CAROUSEL, frame.text_box) >= AA_NORMAL_TEXT


def test_a_carousel_has_at_most_ten_slides_and_at_least_two():
    style = style_for("light_clean", "light")
    assert len(carousel_frames(style, TITLE, [f"line {i}" for i in range(20)], "h", "B")) == 10
    assert len(carousel_frames(style, TITLE, [], "h", "B")) == 2


@pytest.mark.parametrize(
    ("name", "variant"), [("dark_cinematic", "dark"), ("vibrant_bold", "light")]
)
def test_a_reel_is_within_instagrams_specifications(name, variant, tmp_path):
    style = style_for(name, variant)
    scenes = reel_scenes(style, TITLE, LINES[:3], "glowdaily", "Glow Daily")
    reel = render_reel(style, scenes, tmp_path / "reel.mp4")
    for scene in scenes:
        assert scene.text_box is not None and inside(scene.text_box, REEL.safe)
        assert min_contrast(style, REEL, scene.text_box) >= AA_NORMAL_TEXT
    data = reel.path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart
    with av.open(str(reel.path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1080, 1920)
        assert video.codec_context.profile == "High" and video.format.name == "yuv420p"
        assert video.average_rate == 30
        assert (audio.codec_context.name, audio.rate) == ("aac", 48000)
        frames = sum(1 for _ in container.decode(video=0))
        duration = frames / 30
    assert 6 <= duration <= 20 and duration == pytest.approx(reel.duration_s)


def test_reel_duration_stays_between_6_and_20_seconds(tmp_path):
    style = style_for("light_clean", "dark")
    short = render_reel(style, reel_scenes(style, "Hi", [], "h", "B"), tmp_path / "a.mp4")
    assert short.duration_s == pytest.approx(6.0, abs=0.05)
    long_scenes = reel_scenes(style, TITLE, [f"line {i}" for i in range(20)], "h", "B")
    assert len(long_scenes) == 9  # the title, 7 lines, the handle
    from toby_pipelines.media.reel import scene_seconds

    assert scene_seconds(len(long_scenes)) * len(long_scenes) == pytest.approx(20.0)


def test_the_three_styles_differ_measurably():
    covers = {
        name: np.asarray(carousel_frames(style_for(name, "dark"), TITLE, LINES, "h", "B")[0].image, dtype=np.float32)
        for name in STYLE_NAMES
    }  # fmt: skip
    for a, b in itertools.combinations(STYLE_NAMES, 2):
        assert np.abs(covers[a] - covers[b]).mean() > 20, (a, b)
    fonts = {style_for(name, "dark").title_font for name in STYLE_NAMES}
    layouts = {(style_for(n, "dark").align, style_for(n, "dark").accent_bar) for n in STYLE_NAMES}
    assert len(fonts) == 3 and len(layouts) == 3
    # Light and dark variants of one style are told apart by brightness.
    for name in STYLE_NAMES:
        light, dark = (
            np.asarray(background(style_for(name, v), CAROUSEL)).mean() for v in VARIANTS
        )
        assert light - dark > 40, name


def test_render_post_is_content_addressed(tmp_path):
    post = PostToRender(
        "b:carousel:1", "carousel", TITLE, LINES, "vibrant_bold", "glowdaily", "Glow"
    )
    first = render_post(post, tmp_path)
    assert [f.name for f in first.files] == [f"slide-{i:02d}.jpg" for i in range(1, 8)]
    assert first.directory == tmp_path / post.key
    changed = PostToRender(post.post_id, "carousel", TITLE + "!", LINES, "vibrant_bold", "glowdaily", "Glow")  # fmt: skip
    assert changed.key != post.key
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no partial left
