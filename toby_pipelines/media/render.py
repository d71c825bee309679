"""Rendering one post's media: a carousel's slides or a reel, in the post's visual style,
content-addressed — the same text, style and design version always make the same key, so a
re-run or a backfill renders nothing twice and a changed text renders anew."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from toby_pipelines.media.carousel import carousel_frames, jpeg_bytes
from toby_pipelines.media.compose import CAROUSEL, REEL
from toby_pipelines.media.reel import reel_scenes, render_reel
from toby_pipelines.media.styles import style_for, variant_for

# Bump when the designs change: every post's media is then rendered anew.
DESIGN_VERSION = 1


@dataclass(frozen=True)
class PostToRender:
    post_id: str
    content_type: str  # reel | carousel
    title: str
    lines: tuple[str, ...]
    visual_style: str
    handle: str
    brand_name: str
    topic: str = ""
    niche: str = ""
    # "plain" (the style's gradient) or "ai:<model>" (an AI background under a scrim); a
    # failed AI background falls back to the plain design in its light variant (spec §13).
    background: str = "plain"
    variant_override: str | None = None
    # Whose post it is and when it is due (budget and records; not part of the key).
    user_id: str = ""
    brand_id: str = ""
    slot_at: dt.datetime | None = None

    @property
    def variant(self) -> str:
        return self.variant_override or variant_for(self.visual_style, self.post_id)

    @property
    def key(self) -> str:
        payload = json.dumps(
            [DESIGN_VERSION, self.content_type, self.title, self.lines, self.visual_style,
             self.variant, self.handle, self.brand_name, self.background],
            ensure_ascii=False,
        )  # fmt: skip
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class MediaFile:
    name: str  # file name within the post's key
    kind: str  # image | video
    width: int
    height: int
    duration_s: float | None = None


@dataclass(frozen=True)
class RenderedPost:
    key: str
    directory: Path
    files: list[MediaFile]
    cpu_seconds: float


def render_post(post: PostToRender, root: Path, photo: Image.Image | None = None) -> RenderedPost:
    """Render into `root/<key>/` (written to a temporary name first, so a crash never leaves a
    half-written directory behind under the real key); `photo` is the AI background, if any."""
    started = time.process_time()
    style = style_for(post.visual_style, post.variant)
    directory = root / post.key
    partial = root / f".{post.key}.partial"
    partial.mkdir(parents=True, exist_ok=True)
    if post.content_type == "reel":
        scenes = reel_scenes(style, post.title, post.lines, post.handle, post.brand_name, photo)
        reel = render_reel(style, scenes, partial / "reel.mp4")
        files = [MediaFile("reel.mp4", "video", REEL.width, REEL.height, reel.duration_s)]
        cover = scenes[0].image.copy()
        cover.thumbnail((216, 384))
        cover.save(partial / "cover.jpg", quality=80)
    else:
        frames = carousel_frames(style, post.title, post.lines, post.handle, post.brand_name, photo)
        files = []
        for index, frame in enumerate(frames, start=1):
            name = f"slide-{index:02d}.jpg"
            (partial / name).write_bytes(jpeg_bytes(frame))
            files.append(MediaFile(name, "image", CAROUSEL.width, CAROUSEL.height))
    if directory.exists():  # rendered meanwhile by another run: same key, same content
        for child in partial.iterdir():
            child.unlink()
        partial.rmdir()
    else:
        partial.rename(directory)
    return RenderedPost(post.key, directory, files, time.process_time() - started)
