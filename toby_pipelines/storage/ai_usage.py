"""AI usage per call (table ai_usage), the day's spend and budget, and the brand's best post."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def record_usage(
    connection: Connection,
    *,
    user_id: str,
    brand_id: str | None,
    feature_area: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost_usd: float,
    now: dt.datetime,
) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO ai_usage (id, user_id, brand_id, feature_area, model, prompt_tokens,"
            " completion_tokens, cost_usd, created_at) VALUES (:id, :user_id, :brand_id,"
            " :feature_area, :model, :prompt_tokens, :completion_tokens, :cost_usd, :now)"
        ),
        {
            "id": uuid.uuid4().hex,
            "user_id": user_id,
            "brand_id": brand_id or None,
            "feature_area": feature_area,
            "model": model,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "cost_usd": cost_usd,
            "now": now,
        },
    )


def spent_usd_on(connection: Connection, user_id: str, day: dt.date) -> float:
    """What the user's AI calls cost on a UTC day."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return float(
        connection.execute(
            sa.text(
                "SELECT COALESCE(SUM(cost_usd), 0) FROM ai_usage"
                " WHERE user_id = :user_id AND created_at >= :start AND created_at < :end"
            ),
            {"user_id": user_id, "start": start, "end": start + dt.timedelta(days=1)},
        ).scalar()
    )


def daily_budget_usd(connection: Connection, user_id: str) -> float | None:
    """toby_state.daily_budget_cents in dollars; None means unlimited."""
    cents = connection.execute(
        sa.text("SELECT daily_budget_cents FROM toby_state WHERE user_id = :user_id"),
        {"user_id": user_id},
    ).scalar()
    return None if cents is None else cents / 100


def set_daily_budget_usd(connection: Connection, user_id: str, dollars: float | None) -> None:
    """The user's daily AI budget in dollars (stored in cents); None means unlimited."""
    cents = None if dollars is None else round(dollars * 100)
    connection.execute(
        sa.text("UPDATE toby_state SET daily_budget_cents = :c WHERE user_id = :user_id"),
        {"c": cents, "user_id": user_id},
    )


def best_past_title(connection: Connection, brand_id: str, content_type: str) -> str | None:
    """The title of the brand's best-scoring final (7d) post of the content type."""
    return connection.execute(
        sa.text(
            "SELECT p.title FROM post_scores s JOIN scheduled_posts p ON p.id = s.post_id"
            " WHERE p.brand_id = :brand_id AND p.content_type = :content_type"
            " AND s.phase = '7d' AND p.title IS NOT NULL"
            " ORDER BY s.toby_score DESC, p.id LIMIT 1"
        ),
        {"brand_id": brand_id, "content_type": content_type},
    ).scalar()
