"""The demo's summary: how scores moved from the first week to the last, and what Toby learned."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from statistics import mean
from typing import Any

import sqlalchemy as sa

from toby_pipelines.buffer.health import buffer_health
from toby_pipelines.buffer.slots import slots_in_window
from toby_pipelines.storage.brands import list_brands, slot_times_by_brand
from toby_pipelines.storage.database import PROJECT_ROOT, Database, utc
from toby_pipelines.storage.media import media_of
from toby_pipelines.storage.posts import filled_slots


def _final_scores(database: Database) -> list[sa.Row]:
    with database.engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT p.brand_id, p.content_type, p.published_at, s.toby_score FROM post_scores s"
                " JOIN scheduled_posts p ON p.id = s.post_id WHERE s.phase = '7d'"
            )
        ).all()


def _leaders(database: Database) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT brand_id, content_type, dimension, option_value, post_mean, prob_best,"
                " sample_count FROM toby_strategy_scores WHERE as_of_date ="
                " (SELECT MAX(as_of_date) FROM toby_strategy_scores)"
            )
        ).all()
    leaders: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        dims = leaders.setdefault((r.brand_id, r.content_type), {})
        if r.dimension not in dims or r.post_mean > dims[r.dimension]["posterior_mean"]:
            dims[r.dimension] = {
                "option": r.option_value,
                "posterior_mean": round(r.post_mean, 2),
                "prob_best": round(r.prob_best, 3),
                "posts": r.sample_count,
            }
    return leaders


def build_report(
    database: Database, start: dt.datetime, days: int, now: dt.datetime
) -> dict[str, Any]:
    """Per brand and content type: mean final score of posts published in the first and in the
    last 7 of the `days` publishing days, the leading option per dimension, and buffer health."""
    first_week_end = start + dt.timedelta(days=7)
    last_week_start = start + dt.timedelta(days=days - 7)
    last_week_end = start + dt.timedelta(days=days)
    finals = _final_scores(database)
    leaders = _leaders(database)
    with database.engine.connect() as connection:
        brands = list_brands(connection)
        times = slot_times_by_brand(connection)
        taken = filled_slots(connection, now, now + dt.timedelta(hours=48))
    rows = []
    for brand in brands:
        for content_type in sorted(times.get(brand.id, {})):
            mine = [
                (utc(r.published_at), r.toby_score)
                for r in finals
                if r.brand_id == brand.id and r.content_type == content_type
            ]
            first = [s for at, s in mine if start <= at < first_week_end]
            last = [s for at, s in mine if last_week_start <= at < last_week_end]
            slots = slots_in_window(
                brand.id,
                content_type,
                times[brand.id][content_type],
                now,
                now + dt.timedelta(hours=48),
            )
            rows.append(
                {
                    "brand": brand.name,
                    "content_type": content_type,
                    "first_week_mean_final_score": round(mean(first), 2) if first else None,
                    "last_week_mean_final_score": round(mean(last), 2) if last else None,
                    "first_week_posts": len(first),
                    "last_week_posts": len(last),
                    "leaders": leaders.get((brand.id, content_type), {}),
                    "buffer_health": buffer_health(slots, taken, now).status,
                }
            )
    return {
        "start": start.isoformat(),
        "publishing_days": days,
        "end": now.isoformat(),
        "rows": rows,
    }


def posts_with_media(database: Database, media_root: Path) -> list[dict[str, Any]]:
    """Every post with its rendered media (an empty list for a post not rendered): each file's
    path relative to the project root, kind, size and, for video, duration."""
    with database.engine.connect() as connection:
        posts = connection.execute(
            sa.text(
                "SELECT id, brand_id, content_type, title, caption, slot_at, status"
                " FROM scheduled_posts ORDER BY slot_at, id"
            )
        ).all()
        media = media_of(connection)
    return [
        {
            "post_id": p.id,
            "brand_id": p.brand_id,
            "content_type": p.content_type,
            "title": p.title,
            "caption": p.caption,
            "slot_at": utc(p.slot_at).isoformat(),
            "status": p.status,
            "media": [
                {
                    "path": os.path.relpath(media_root / m.media_key / m.name, PROJECT_ROOT),
                    "kind": m.kind,
                    "width": m.width,
                    "height": m.height,
                    **({"duration_s": m.duration_s} if m.kind == "video" else {}),
                }
                for m in media.get(p.id, [])
            ],
        }
        for p in posts
    ]


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"{'brand':<18} {'type':<9} {'week 1':>7} {'week 4':>7}  {'health':<8} leaders",
    ]
    for row in report["rows"]:
        leaders = ", ".join(f"{dim}={info['option']}" for dim, info in row["leaders"].items())
        first = row["first_week_mean_final_score"]
        last = row["last_week_mean_final_score"]
        lines.append(
            f"{row['brand']:<18} {row['content_type']:<9} {first if first is not None else '-':>7}"
            f" {last if last is not None else '-':>7}  {row['buffer_health']:<8} {leaders}"
        )
    return "\n".join(lines)
