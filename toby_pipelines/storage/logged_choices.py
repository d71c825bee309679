"""Toby's logged choices with their final scores: what offline evaluation reads."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.evaluation.policies import LoggedPost
from toby_pipelines.storage.posts import tag_options
from toby_pipelines.strategy.dimensions import DIMENSIONS
from toby_pipelines.strategy.planning_record import planning_inputs


def logged_posts(connection: Connection, user_id: str, since: dt.date) -> tuple[list, int]:
    """(the user's posts planned from a recorded posterior version with a final score, slotted
    from `since`, in slot order; how many of their scored posts lack a planning record)."""
    rows = connection.execute(
        sa.text(
            "SELECT p.id, p.brand_id, p.content_type, s.toby_score, t.propensity,"
            " t.option_propensities, t.decision, v.body, "
            + ", ".join(f"t.{dimension}" for dimension in DIMENSIONS)
            + " FROM scheduled_posts p JOIN toby_content_tags t ON t.post_id = p.id"
            " JOIN post_scores s ON s.post_id = p.id AND s.phase = '7d'"
            " LEFT JOIN posterior_versions v ON v.id = t.posterior_version"
            " WHERE p.user_id = :user AND p.slot_at >= :since ORDER BY p.slot_at, p.id"
        ),
        {"user": user_id, "since": dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)},
    ).all()
    posts, unrecorded = [], 0
    for r in rows:
        if r.body is None or r.decision is None:
            unrecorded += 1
            continue
        posts.append(
            LoggedPost(
                post_id=r.id,
                brand_id=r.brand_id,
                content_type=r.content_type,
                options=tag_options(r),
                score=float(r.toby_score),
                propensity=float(r.propensity),
                marginals=json.loads(r.option_propensities),
                inputs=planning_inputs(r.body, r.decision),
            )
        )
    return posts, unrecorded
