"""From scored posts to per-option evidence: the final score counts in full, the early one partly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from toby_pipelines.strategy.dimensions import DIMENSIONS
from toby_pipelines.strategy.normal_gamma import Evidence

# A 48h score is an early, noisy read of the final one; it counts as half a post until the
# 7-day score replaces it.
PROVISIONAL_WEIGHT = 0.5


@dataclass(frozen=True)
class ScoredPost:
    post_id: str
    brand_id: str
    content_type: str
    phase: str
    score: float
    options: Mapping[str, str]


ArmKey = tuple[str, str, str, str]  # brand_id, content_type, dimension, option


def latest_scores(scores: Iterable[ScoredPost]) -> list[ScoredPost]:
    """One score per post: the 7-day score where it exists, else the 48h one."""
    best: dict[str, ScoredPost] = {}
    for score in scores:
        current = best.get(score.post_id)
        if current is None or (current.phase == "48h" and score.phase == "7d"):
            best[score.post_id] = score
    return list(best.values())


def evidence_by_arm(scores: Iterable[ScoredPost]) -> dict[ArmKey, tuple[Evidence, list[float]]]:
    """Weighted evidence per (brand, content type, dimension, option), plus its raw scores."""
    arms: dict[ArmKey, tuple[Evidence, list[float]]] = {}
    for post in latest_scores(scores):
        weight = 1.0 if post.phase == "7d" else PROVISIONAL_WEIGHT
        for dimension in DIMENSIONS:
            option = post.options.get(dimension)
            if option is None:
                continue
            key = (post.brand_id, post.content_type, dimension, option)
            evidence, raw = arms.get(key, (Evidence(), []))
            arms[key] = (evidence.add(post.score, weight), [*raw, post.score])
    return arms


def scaled(evidence: Evidence, max_weight: float) -> Evidence:
    """The same mean and spread, worth at most `max_weight` posts: a borrowed, humble prior."""
    if evidence.weight <= max_weight or evidence.weight == 0:
        return evidence
    factor = max_weight / evidence.weight
    return Evidence(
        evidence.weight * factor,
        evidence.weighted_sum * factor,
        evidence.weighted_sum_sq * factor,
        evidence.count,
    )
