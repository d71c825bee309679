"""Rendered media of posts (table post_media) and the posts that still need theirs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.media.render import MediaFile, PostToRender
from toby_pipelines.storage.database import load_json, utc


@dataclass(frozen=True)
class StoredMedia:
    post_id: str
    position: int
    media_key: str
    name: str
    kind: str
    width: int
    height: int
    duration_s: float | None
    url: str


def posts_to_render(
    connection: Connection, start: dt.datetime, end: dt.datetime
) -> list[PostToRender]:
    """Generated posts due in (start, end] on a platform that takes media (Instagram)."""
    rows = connection.execute(
        sa.text(
            "SELECT p.id, p.user_id, p.brand_id, p.slot_at, p.content_type, p.title,"
            " p.content_lines, t.visual_style, t.topic_bucket, a.handle, b.name, b.niche"
            " FROM scheduled_posts p"
            " JOIN brands b ON b.id = p.brand_id"
            " JOIN platform_accounts a ON a.brand_id = p.brand_id AND a.platform = p.platform"
            " LEFT JOIN toby_content_tags t ON t.post_id = p.id"
            " WHERE p.status = 'generated' AND p.platform = 'instagram'"
            " AND p.slot_at > :start AND p.slot_at <= :end ORDER BY p.slot_at, p.id"
        ),
        {"start": start, "end": end},
    )
    return [
        PostToRender(
            post_id=r.id,
            content_type=r.content_type,
            title=r.title or "",
            lines=tuple(load_json(r.content_lines or "[]")),
            visual_style=r.visual_style or "light_clean",
            handle=r.handle,
            brand_name=r.name,
            topic=(r.topic_bucket or "").replace("_", " "),
            niche=r.niche or "",
            user_id=r.user_id,
            brand_id=r.brand_id,
            slot_at=utc(r.slot_at),
        )
        for r in rows
    ]


def media_keys(connection: Connection, post_ids: Sequence[str]) -> dict[str, str]:
    """{post_id: media_key} of posts that have media."""
    if not post_ids:
        return {}
    rows = connection.execute(
        sa.text(
            "SELECT DISTINCT post_id, media_key FROM post_media WHERE post_id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": list(post_ids)},
    )
    return {r.post_id: r.media_key for r in rows}


def save_media(
    connection: Connection,
    post_id: str,
    key: str,
    files: Sequence[MediaFile],
    urls: Sequence[str],
    now: dt.datetime,
) -> None:
    """The post's media become these (replacing an older rendering) and its media_urls their
    hosted URLs, in one transaction."""
    connection.execute(sa.text("DELETE FROM post_media WHERE post_id = :p"), {"p": post_id})
    connection.execute(
        sa.text(
            "INSERT INTO post_media (post_id, position, media_key, name, kind, width, height,"
            " duration_s, url, rendered_at) VALUES (:post_id, :position, :key, :name, :kind,"
            " :width, :height, :duration, :url, :now)"
        ),
        [
            {
                "post_id": post_id,
                "position": position,
                "key": key,
                "name": f.name,
                "kind": f.kind,
                "width": f.width,
                "height": f.height,
                "duration": f.duration_s,
                "url": url,
                "now": now,
            }
            for position, (f, url) in enumerate(zip(files, urls, strict=True), start=1)
        ],
    )
    connection.execute(
        sa.text("UPDATE scheduled_posts SET media_urls = :urls WHERE id = :id"),
        {"urls": json.dumps(list(urls)), "id": post_id},
    )


def media_of(connection: Connection) -> dict[str, list[StoredMedia]]:
    """{post_id: its media in order} of every rendered post."""
    rows = connection.execute(
        sa.text(
            "SELECT post_id, position, media_key, name, kind, width, height, duration_s, url"
            " FROM post_media ORDER BY post_id, position"
        )
    )
    result: dict[str, list[StoredMedia]] = {}
    for r in rows:
        result.setdefault(r.post_id, []).append(
            StoredMedia(
                r.post_id,
                r.position,
                r.media_key,
                r.name,
                r.kind,
                r.width,
                r.height,
                r.duration_s,
                r.url,
            )
        )
    return result
