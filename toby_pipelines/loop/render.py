"""Render and host the media of posts due soon: Instagram containers expire 24 hours after they
are made, and a post is rendered a few hours ahead of its slot. Content-addressed: a post whose
media key is unchanged is not rendered again; one whose text changed is. Each post on its own:
one failed rendering is recorded and retried on the next tick, the others go on."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from toby_pipelines.loop.isolation import describe
from toby_pipelines.media.render import PostToRender, RenderedPost, render_post
from toby_pipelines.media.store import MediaStore
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.brands import owner_of_post
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.media import media_keys, posts_to_render, save_media

RENDER_AHEAD = dt.timedelta(hours=6)
# A post whose slot passed moments ago (a slow tick) still gets its media.
RENDER_BEHIND = dt.timedelta(hours=1)


@dataclass
class RenderSummary:
    rendered: list[tuple[str, RenderedPost]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def cpu_seconds(self) -> float:
        return sum(r.cpu_seconds for _, r in self.rendered)


def render_due(
    database: Database,
    store: MediaStore,
    work_dir: Path,
    now: dt.datetime,
    ahead: dt.timedelta = RENDER_AHEAD,
    not_before: dt.datetime | None = None,
) -> RenderSummary:
    """Render the posts due in (now - 1h, now + `ahead`], skipping slots before `not_before`."""
    start = max(now - RENDER_BEHIND, not_before) if not_before else now - RENDER_BEHIND
    with database.engine.connect() as connection:
        posts = posts_to_render(connection, start, now + ahead)
        known = media_keys(connection, [p.post_id for p in posts])
    summary = RenderSummary()
    for post in posts:
        if known.get(post.post_id) == post.key:
            summary.unchanged.append(post.post_id)
            continue
        try:
            rendered = render_post(post, work_dir)
            urls = [
                store.put(post.key, f.name, rendered.directory / f.name) for f in rendered.files
            ]
            with database.transaction() as connection:
                save_media(connection, post.post_id, post.key, rendered.files, urls, now)
        except Exception as error:  # this post's failure is its own; the next tick retries
            summary.failed.append((post.post_id, describe(error)))
            _log_failure(database, post, describe(error), now)
            continue
        summary.rendered.append((post.post_id, rendered))
    return summary


def thumbnail_markdown(rendered: RenderedPost, height: int = 120) -> str:
    """A small inline preview (data URI) of the first image: the UI shows it in metadata."""
    first = rendered.directory / (
        "cover.jpg" if rendered.files[0].kind == "video" else rendered.files[0].name
    )
    image = Image.open(first)
    image.thumbnail((height * 2, height))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=70)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f"![preview](data:image/jpeg;base64,{data})"


def _log_failure(database: Database, post: PostToRender, reason: str, now: dt.datetime) -> None:
    with database.transaction() as connection:
        user_id = owner_of_post(connection, post.post_id)
        if user_id:
            log_activity(
                connection,
                user_id=user_id,
                action_type="error",
                description=f"Rendering {post.content_type} '{post.title}' failed; retried next tick: {reason}",
                dedupe_key=f"render-failed:{post.post_id}:{post.key}",
                now=now,
                level="error",
            )
