"""What a brand owner reads about their own Toby: activity, published posts with their scores,
experiments, options, findings and the buffer. Every read is of one user's rows only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.database import load_json, utc
from toby_pipelines.storage.experiments import RUN_RECENCY


def _counted_page(
    connection: Connection,
    select: str,
    count_from: str,
    filters: dict[str, object],
    order: str,
    limit: int,
    offset: int,
) -> tuple[int, list[sa.Row]]:
    """How many rows match the filters ({column: value}, None ignored) and one page of them.
    Columns are this module's own names, never input; values are bound parameters."""
    used = {column: value for column, value in filters.items() if value is not None}
    params = {f"f{i}": value for i, value in enumerate(used.values())}
    where = " AND ".join(f"{column} = :f{i}" for i, column in enumerate(used)) or "TRUE"
    total = connection.execute(
        sa.text(f"SELECT COUNT(*) {count_from} WHERE {where}"), params
    ).scalar_one()
    rows = connection.execute(
        sa.text(f"{select} WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit, "offset": offset},
    ).all()
    return int(total), rows


def activity_page(
    connection: Connection,
    user_id: str,
    limit: int,
    offset: int,
    level: str | None = None,
    action_type: str | None = None,
) -> tuple[list[dict], int]:
    """A page of the user's activity, newest first, and how many lines match in all."""
    filters = {"user_id": user_id, "level": level, "action_type": action_type}
    total, rows = _counted_page(
        connection,
        "SELECT created_at, action_type, level, description, metadata FROM toby_activity_log",
        "FROM toby_activity_log",
        filters,
        "created_at DESC, id DESC",
        limit,
        offset,
    )
    return [
        {
            "at": utc(r.created_at).isoformat(),
            "action": r.action_type,
            "level": r.level,
            "description": r.description,
            "metadata": load_json(r.metadata),
        }
        for r in rows
    ], total


def published_posts(
    connection: Connection,
    user_id: str,
    limit: int,
    offset: int,
    brand_id: str | None = None,
) -> tuple[list[dict], int]:
    """Published posts, newest first, with title, brand, score and latest views."""
    filters = {"p.user_id": user_id, "p.status": "published", "p.brand_id": brand_id}
    total, rows = _counted_page(
        connection,
        "SELECT p.id, p.brand_id, b.name AS brand_name, p.content_type, p.platform, p.title,"
        " p.published_at, p.media_id, p.deleted_at, t.toby_score, t.score_phase,"
        " (SELECT s.views FROM metrics_snapshots s WHERE s.post_id = p.id"
        "  ORDER BY s.checkpoint_at DESC LIMIT 1) AS views,"
        " (SELECT m.url FROM post_media m WHERE m.post_id = p.id"
        "  ORDER BY m.position LIMIT 1) AS thumbnail,"
        " (SELECT m.kind FROM post_media m WHERE m.post_id = p.id"
        "  ORDER BY m.position LIMIT 1) AS thumbnail_kind"
        " FROM scheduled_posts p JOIN brands b ON b.id = p.brand_id"
        " LEFT JOIN toby_content_tags t ON t.post_id = p.id",
        "FROM scheduled_posts p",
        filters,
        "p.published_at DESC, p.id",
        limit,
        offset,
    )
    return [
        {
            "id": r.id,
            "brand_id": r.brand_id,
            "brand": r.brand_name,
            "content_type": r.content_type,
            "platform": r.platform,
            "title": r.title,
            "published_at": utc(r.published_at).isoformat() if r.published_at else None,
            "media_id": r.media_id,
            "deleted": r.deleted_at is not None,
            "score": r.toby_score,
            "score_phase": r.score_phase,
            "views": r.views,
            "thumbnail": r.thumbnail,  # the first slide or the reel, where it was hosted
            "thumbnail_kind": r.thumbnail_kind,
        }
        for r in rows
    ], total


def score_stats(connection: Connection, user_id: str) -> dict[tuple[str, str], tuple]:
    """{(brand, content type): (count, mean, standard deviation)} of each post's latest score
    (final where it has one, else its 48h score)."""
    rows = connection.execute(
        sa.text(
            "SELECT p.brand_id, p.content_type, t.toby_score FROM toby_content_tags t"
            " JOIN scheduled_posts p ON p.id = t.post_id"
            " WHERE t.user_id = :u AND t.toby_score IS NOT NULL"
        ),
        {"u": user_id},
    )
    scores: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        scores.setdefault((r.brand_id, r.content_type), []).append(float(r.toby_score))
    stats = {}
    for key, values in scores.items():
        mean = sum(values) / len(values)
        variance = sum((v - mean) ** 2 for v in values) / max(1, len(values) - 1)
        stats[key] = (len(values), mean, variance**0.5)
    return stats


def experiments_of(connection: Connection, user_id: str) -> list[dict]:
    """Every run of the user's experiments, newest first. A run that a newer run of the same
    brand, content type and dimension replaced (a retest of an inconclusive run, which stays in
    the table as it was) is shown as "replaced", not active."""
    rows = connection.execute(
        sa.text(
            "SELECT e.brand_id, b.name AS brand_name, e.content_type, e.dimension, e.options,"
            " e.results, e.status, e.winner, e.started_on, e.completed_on, e.min_samples,"
            f" {RUN_RECENCY} AS newest"
            " FROM toby_experiments e JOIN brands b ON b.id = e.brand_id"
            " WHERE e.user_id = :u ORDER BY e.started_on DESC, e.brand_id, e.dimension"
        ),
        {"u": user_id},
    )
    return [
        {
            "brand_id": r.brand_id,
            "brand": r.brand_name,
            "content_type": r.content_type,
            "dimension": r.dimension,
            "options": load_json(r.options),
            "results": load_json(r.results),
            "status": "replaced" if r.status == "active" and r.newest > 1 else r.status,
            "winner": r.winner,
            "started_on": str(r.started_on) if r.started_on else None,
            "completed_on": str(r.completed_on) if r.completed_on else None,
            "min_samples": r.min_samples,
        }
        for r in rows
    ]


def newest_options(connection: Connection, user_id: str) -> list[sa.Row]:
    """Each option's newest posterior row of the user's brands."""
    return connection.execute(
        sa.text(
            "SELECT s.brand_id, b.name AS brand_name, s.content_type, s.dimension,"
            " s.option_value, s.sample_count, s.post_mean, s.interval_low, s.interval_high,"
            " s.prob_best, s.as_of_date, s.noise_sd FROM toby_strategy_scores s"
            " JOIN brands b ON b.id = s.brand_id"
            " WHERE s.user_id = :u AND s.as_of_date = (SELECT MAX(as_of_date)"
            "  FROM toby_strategy_scores WHERE user_id = :u)"
        ),
        {"u": user_id},
    ).all()


def findings_of(connection: Connection, user_id: str, since: dt.datetime) -> list[dict]:
    rows = connection.execute(
        sa.text(
            "SELECT f.brand_id, b.name AS brand_name, f.kind, f.target, f.caption, f.like_count,"
            " f.comments_count, f.permalink, f.topic_bucket, f.first_found_at"
            " FROM discovery_findings f JOIN brands b ON b.id = f.brand_id"
            " WHERE b.user_id = :u AND f.first_found_at >= :since"
            " ORDER BY f.like_count DESC, f.first_found_at DESC"
        ),
        {"u": user_id, "since": since},
    )
    return [
        {
            "brand_id": r.brand_id,
            "brand": r.brand_name,
            "kind": r.kind,
            "target": r.target,
            "caption": r.caption,
            "likes": r.like_count,
            "comments": r.comments_count,
            "permalink": r.permalink,
            "topic": r.topic_bucket,
            "found_at": utc(r.first_found_at).isoformat(),
        }
        for r in rows
    ]


def posts_in_window(
    connection: Connection, brand_ids: Sequence[str], start: dt.datetime, end: dt.datetime
) -> list[sa.Row]:
    """The brands' posts slotted in (start, end]."""
    if not brand_ids:
        return []
    return connection.execute(
        sa.text(
            "SELECT id, brand_id, content_type, slot_at, status, title FROM scheduled_posts"
            " WHERE brand_id IN :brands AND slot_at > :start AND slot_at <= :end"
            " ORDER BY slot_at, brand_id"
        ).bindparams(sa.bindparam("brands", expanding=True)),
        {"brands": list(brand_ids), "start": start, "end": end},
    ).all()


def update_settings(
    connection: Connection,
    user_id: str,
    buffer_days: int | None = None,
    explore_ratio: float | None = None,
) -> None:
    changes = {"buffer_days": buffer_days, "explore_ratio": explore_ratio}
    changes = {column: value for column, value in changes.items() if value is not None}
    if not changes:
        return
    assignments = ", ".join(f"{column} = :{column}" for column in changes)
    connection.execute(
        sa.text(f"UPDATE toby_state SET {assignments} WHERE user_id = :u"),
        {**changes, "u": user_id},
    )


def weekly_final_scores(connection: Connection, user_id: str) -> list[dict]:
    """Per brand, content type and publishing week (Monday), the mean final (7d) score and how
    many posts it rests on, oldest week first: whether Toby's content gets better."""
    rows = connection.execute(
        sa.text(
            "SELECT p.brand_id, b.name AS brand_name, p.content_type, p.published_at,"
            " s.toby_score FROM post_scores s JOIN scheduled_posts p ON p.id = s.post_id"
            " JOIN brands b ON b.id = p.brand_id"
            " WHERE p.user_id = :u AND s.phase = '7d' AND p.published_at IS NOT NULL"
        ),
        {"u": user_id},
    )
    weeks: dict[tuple, list[float]] = {}
    for r in rows:
        day = utc(r.published_at).date()
        monday = day - dt.timedelta(days=day.weekday())
        weeks.setdefault((r.brand_name, r.content_type, monday), []).append(float(r.toby_score))
    return [
        {
            "brand": brand,
            "content_type": content_type,
            "week": monday.isoformat(),
            "mean_score": round(sum(scores) / len(scores), 1),
            "posts": len(scores),
        }
        for (brand, content_type, monday), scores in sorted(weeks.items())
    ]


def game_changers(connection: Connection, user_id: str, limit: int = 20) -> list[dict]:
    """Posts whose views reached 4x their brand's rolling average, most viewed first."""
    rows = connection.execute(
        sa.text(
            "SELECT p.title, b.name AS brand_name, p.content_type, s.views, s.toby_score,"
            " s.phase FROM post_scores s JOIN scheduled_posts p ON p.id = s.post_id"
            " JOIN brands b ON b.id = p.brand_id"
            " WHERE p.user_id = :u AND s.is_game_changer"
            " ORDER BY s.views DESC LIMIT :limit"
        ),
        {"u": user_id, "limit": limit},
    )
    return [
        {"title": r.title, "brand": r.brand_name, "content_type": r.content_type,
         "views": r.views, "score": round(r.toby_score, 1), "phase": r.phase}
        for r in rows
    ]  # fmt: skip
