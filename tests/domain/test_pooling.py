"""Borrowing across a user's brands checks that it fits (issue 12, defect 6): how much one
brand's evidence counts for another is estimated from their data, so opposite tastes borrow
little and shared tastes the cold-start default."""

from __future__ import annotations

import datetime as dt

import numpy as np

from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.pooling import pooling_strengths
from toby_pipelines.strategy.posteriors import (
    COLD_START_PSEUDO_COUNT,
    BrandProfile,
    learn_user,
)

DAY = dt.date(2026, 3, 1)
TOPICS = ("sleep", "gut", "stress", "hormones", "energy")
POOLS = {"reel": {"topic_bucket": TOPICS}}
EFFECTS = dict(zip(TOPICS, (12.0, 6.0, 0.0, -6.0, -12.0), strict=True))


def posts(brand: str, sign: float, count: int, seed: int, start: int = 0) -> list[ScoredPost]:
    rng = np.random.default_rng(seed)
    return [
        ScoredPost(
            f"{brand}{i}", brand, "reel", "7d",
            float(50 + sign * EFFECTS[TOPICS[i % 5]] + rng.normal(0, 6)),
            {"topic_bucket": TOPICS[i % 5]}, DAY + dt.timedelta(days=(start + i) // 4),
        )
        for i in range(count)
    ]  # fmt: skip


def strength(first, second):
    from toby_pipelines.strategy.evidence import evidence_by_arm, latest_scores

    arms = evidence_by_arm(latest_scores(first + second))
    return pooling_strengths(arms, COLD_START_PSEUDO_COUNT)[("reel", "topic_bucket")]


def test_shared_tastes_borrow_the_default_and_opposite_tastes_little():
    same = strength(posts("a", 1, 60, 1), posts("b", 1, 30, 2))
    opposite = strength(posts("a", 1, 60, 1), posts("b", -1, 30, 2))
    assert same == COLD_START_PSEUDO_COUNT
    assert opposite < 0.5


def test_too_little_overlap_keeps_the_cold_start_default():
    assert strength(posts("a", 1, 60, 1), posts("b", -1, 4, 2)) == COLD_START_PSEUDO_COUNT
    arms_one_brand = strength(posts("a", 1, 60, 1), [])
    assert arms_one_brand == COLD_START_PSEUDO_COUNT


def test_a_late_brand_with_opposite_tastes_is_not_pulled_toward_its_siblings_best():
    brands = [BrandProfile("a", POOLS), BrandProfile("b", POOLS)]
    today = DAY + dt.timedelta(days=30)

    def late_brands_sleep(sign):
        history = posts("a", 1, 100, 1) + posts("b", sign, 20, 2, start=80)
        learned = learn_user(brands, history, today, summaries=False)
        [found] = [p for p in learned.posteriors if (p.brand_id, p.option) == ("b", "sleep")]
        return found.posterior.mu

    # Sleep is the sibling's best topic; for an opposite brand it is the worst (about 38). The
    # fixed two posts' worth of borrowing of before put it at 46.6.
    assert late_brands_sleep(1) > 58
    assert late_brands_sleep(-1) < 44
