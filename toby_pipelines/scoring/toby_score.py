"""The Toby score (seed 000 section 5.4): a 0-100 composite of four components.

The seed's code and its comments disagree; the comments are the product's intent, so each
component is a log-space curve through exactly the anchor points the comments give.
"""

from __future__ import annotations

from dataclasses import dataclass

from toby_pipelines.scoring.interpolation import LogCurve

RAW_VIEWS_CURVE = LogCurve([(1_000, 20), (10_000, 50), (50_000, 75), (100_000, 90), (500_000, 100)])
RELATIVE_VIEWS_CURVE = LogCurve([(0.5, 25), (1, 50), (2, 75), (4, 100)])
FOLLOWER_CONTEXT_CURVE = LogCurve([(0.1, 30), (1, 60), (5, 85), (10, 100)])

WEIGHTS = {"raw_views": 0.30, "relative_views": 0.35, "engagement": 0.25, "follower_context": 0.10}
NEUTRAL_SCORE = 50.0


@dataclass(frozen=True)
class TobyScore:
    toby_score: float
    raw_views_score: float
    relative_views_score: float
    engagement_score: float
    follower_context_score: float


def raw_views_score(views: int) -> float:
    """Absolute reach: 1k views = 20, 10k = 50, 50k = 75, 100k = 90, 500k = 100."""
    return RAW_VIEWS_CURVE(views)


def relative_views_score(views: int, brand_avg_views: float | None) -> float:
    """Views against the brand's baseline: 0.5x = 25, 1x = 50, 2x = 75, 4x = 100; 50 without one."""
    if not brand_avg_views or brand_avg_views <= 0:
        return NEUTRAL_SCORE
    return RELATIVE_VIEWS_CURVE(views / brand_avg_views)


def engagement_score(views: int, saves: int, shares: int) -> float:
    """Saves and shares per view, as the seed writes it: min(100, (2 saves + 3 shares)/views * 1e4)."""
    return min(100.0, (saves * 2 + shares * 3) / max(views, 1) * 10_000)


def follower_context_score(views: int, followers: int | None) -> float:
    """Views per follower: 0.1x = 30, 1x = 60, 5x = 85, 10x = 100; 50 when followers are unknown."""
    if not followers or followers <= 0:
        return NEUTRAL_SCORE
    return FOLLOWER_CONTEXT_CURVE(views / followers)


def compute_toby_score(
    *, views: int, saves: int, shares: int, brand_avg_views: float | None, followers: int | None
) -> TobyScore:
    components = {
        "raw_views": raw_views_score(views),
        "relative_views": relative_views_score(views, brand_avg_views),
        "engagement": engagement_score(views, saves, shares),
        "follower_context": follower_context_score(views, followers),
    }
    total = sum(WEIGHTS[name] * value for name, value in components.items())
    return TobyScore(
        toby_score=round(total, 1),
        raw_views_score=components["raw_views"],
        relative_views_score=components["relative_views"],
        engagement_score=components["engagement"],
        follower_context_score=components["follower_context"],
    )


def followers_per_1k_views(follows: int | None, views: int | None) -> float | None:
    """F/1K (seed 001): followers gained per 1000 views; 0 when nothing was seen, None when the
    platform does not report follows (Instagram reels) or views."""
    if follows is None or views is None:
        return None
    return follows / views * 1000 if views > 0 else 0.0


def engagement_rate(
    *,
    likes: int | None,
    comments: int | None,
    saves: int | None,
    shares: int | None,
    reach: int | None,
) -> float | None:
    """Interactions per account reached (a fraction, not a percentage); 0 with no reach. The
    interactions the platform reports are summed; None when it reports neither reach nor any
    interaction."""
    interactions = [v for v in (likes, comments, saves, shares) if v is not None]
    if reach is None or not interactions:
        return None
    return sum(interactions) / reach if reach > 0 else 0.0
