"""Render and host the media of posts due soon: Instagram containers expire 24 hours after they
are made, and a post is rendered a few hours ahead of its slot. Content-addressed: a post whose
media key is unchanged is not rendered again; one whose text changed is. Each post on its own:
one failed rendering is recorded and retried on the next tick, the others go on."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from toby_pipelines.content.budget import budget_tier, is_essential, may_call
from toby_pipelines.loop.isolation import describe
from toby_pipelines.media.image_api import ImageApiClient, background_prompt
from toby_pipelines.media.render import PostToRender, RenderedPost, render_post
from toby_pipelines.media.store import MediaStore
from toby_pipelines.platforms.api_errors import ApiError
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.ai_usage import daily_budget_usd, record_usage, spent_usd_on
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
    fallbacks: list[tuple[str, str]] = field(default_factory=list)  # (post, why no AI background)

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
    images: ImageApiClient | None = None,
) -> RenderSummary:
    """Render the posts due in (now - 1h, now + `ahead`], skipping slots before `not_before`.
    With `images`, each post gets an AI background when the user's budget allows; when the API
    fails (after its retries) the post gets the plain design in its light variant."""
    start = max(now - RENDER_BEHIND, not_before) if not_before else now - RENDER_BEHIND
    with database.engine.connect() as connection:
        posts = posts_to_render(connection, start, now + ahead)
        known = media_keys(connection, [p.post_id for p in posts])
    summary = RenderSummary()
    for post in posts:
        if images is not None:
            post = replace(post, background=f"ai:{images.model}")
        # A post that fell back to the plain design keeps it: the API is not asked again.
        if known.get(post.post_id) in (post.key, _plain(post).key):
            summary.unchanged.append(post.post_id)
            continue
        try:
            post, photo = _background(database, images, post, now, summary)
            rendered = render_post(post, work_dir, photo)
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


def _plain(post: PostToRender) -> PostToRender:
    """The post in the design that needs no AI: the plain light variant (spec section 13)."""
    if post.background == "plain":
        return post
    return replace(post, background="plain", variant_override="light")


def _background(database, images, post: PostToRender, now, summary: RenderSummary):
    """(the post as it will be rendered, its AI background or None)."""
    if images is None:
        return post, None
    plain = _plain(post)
    with database.engine.connect() as connection:
        spent = spent_usd_on(connection, post.user_id, now.date())
        budget = daily_budget_usd(connection, post.user_id)
    tier = budget_tier(spent, budget)
    if not may_call(
        tier, is_essential(post.slot_at, now), spent, budget, images.price_per_image_usd
    ):
        summary.fallbacks.append((post.post_id, "AI budget"))
        return plain, None
    try:
        photo = images.generate(background_prompt(post.visual_style, post.topic, post.niche))
    except ApiError as error:
        summary.fallbacks.append((post.post_id, str(error)))
        with database.transaction() as connection:
            log_activity(
                connection,
                user_id=post.user_id,
                action_type="media_fallback",
                description=(
                    f"The AI background of '{post.title}' failed ({error}); the plain light"
                    " design was used"
                ),
                dedupe_key=f"media-fallback:{post.post_id}:{now.isoformat()}",
                now=now,
                level="warning",
            )
        return plain, None
    with database.transaction() as connection:
        record_usage(
            connection,
            user_id=post.user_id,
            brand_id=post.brand_id or None,
            feature_area="image_background",
            model=images.model,
            prompt_tokens=0,
            completion_tokens=0,
            cost_usd=images.price_per_image_usd,
            now=now,
        )
    return post, photo


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
