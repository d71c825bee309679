"""From scored posts to per-option evidence: the final score counts in full, the early one partly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from toby_pipelines.strategy.normal_gamma import Evidence

# A 48h score is an early, noisy read of the final one; it counts as half a post until the
# 7-day score replaces it.
PROVISIONAL_WEIGHT = 0.5


class ScoredPost(NamedTuple):
    """A post's score with its options. A named tuple, not a dataclass: a learning horizon
    reads one per score (about 720,000 at 1,000 brands and 90 days), and a tuple is built in C, in
    half the time of a frozen dataclass's fields set one by one."""

    post_id: str
    brand_id: str
    content_type: str
    phase: str
    score: float
    options: Mapping[str, str]
    published_on: dt.date


# Posts in publishing order: by day, then by id (a key built in C).
PUBLISHING_ORDER = attrgetter("published_on", "post_id")
_POST_ID = attrgetter("post_id")

ArmKey = tuple[str, str, str, str]  # brand_id, content_type, dimension, option

# How many of an option's latest scores its posterior row lists.
RECENT_SCORES = 10


@dataclass(frozen=True, slots=True)
class RawScores:
    """An option's scores as they were (neither adjusted nor weighted), as its posterior row
    shows them: mean, variance, best, worst and the last `RECENT_SCORES` in publishing order.
    Kept as these figures rather than every score: a 90-day horizon holds hundreds."""

    mean: float | None = None
    variance: float | None = None
    best: float | None = None
    worst: float | None = None
    recent: tuple[float, ...] = ()

    @classmethod
    def of(cls, scores: Sequence[float]) -> RawScores:
        """The figures of `scores`, in publishing order (sums taken left to right)."""
        if not scores:
            return cls()
        mean = sum(scores) / len(scores)
        return cls(
            mean,
            sum((score - mean) ** 2 for score in scores) / len(scores),
            max(scores),
            min(scores),
            tuple(scores[-RECENT_SCORES:]),
        )


def latest_scores(scores: Iterable[ScoredPost]) -> list[ScoredPost]:
    """One score per post, in publishing order: the 7-day score where it exists, else the 48h one.

    The 7-day score replaces the provisional one; it is never added to it."""
    scores = list(scores)
    if len(set(map(_POST_ID, scores))) == len(scores):  # one score per post already (as read)
        return sorted(scores, key=PUBLISHING_ORDER)
    best: dict[str, ScoredPost] = {}
    for score in scores:
        current = best.get(score.post_id)
        if current is None or (current.phase == "48h" and score.phase == "7d"):
            best[score.post_id] = score
    return sorted(best.values(), key=PUBLISHING_ORDER)


def phase_weight(post: ScoredPost) -> float:
    """A provisional 48h score counts partly; a final score (or a deletion) in full."""
    return PROVISIONAL_WEIGHT if post.phase == "48h" else 1.0


def evidence_by_arm(
    posts: Iterable[ScoredPost],
    weight_of: Callable[[ScoredPost], float] = phase_weight,
    adjusted: Mapping[str, Mapping[str, float]] | None = None,
    arm_discounts: Mapping[ArmKey, tuple[dt.date, float]] | None = None,
) -> dict[ArmKey, tuple[Evidence, RawScores]]:
    """Weighted evidence per (brand, content type, dimension, option), plus its raw scores'
    figures (`RawScores`).

    `posts` must hold one score per post (see `latest_scores`). With `adjusted`, each
    dimension's evidence is the post's score for that dimension from it (see
    `other_dimensions`); the raw scores are kept as they were. With `arm_discounts`
    ({arm: (day, factor)}), an arm's posts published before its day weigh `factor` more
    times (an option whose audience rose, see `change_detection`)."""
    sums: dict[ArmKey, list] = {}
    for post in posts:
        weight = weight_of(post)
        score = post.score
        own = adjusted.get(post.post_id) if adjusted is not None else None
        for dimension, option in post.options.items():
            value = own[dimension] if own is not None else score
            key = (post.brand_id, post.content_type, dimension, option)
            arm_weight = weight
            if arm_discounts:
                discount = arm_discounts.get(key)
                if discount is not None and post.published_on < discount[0]:
                    arm_weight = weight * discount[1]
            entry = sums.get(key)
            if entry is None:
                entry = sums[key] = [0.0, 0.0, 0.0, 0, []]
            entry[0] += arm_weight
            entry[1] += arm_weight * value
            entry[2] += arm_weight * value * value
            entry[3] += 1
            entry[4].append(score)
    return {
        key: (Evidence(w, s, ss, n), RawScores.of(raw)) for key, (w, s, ss, n, raw) in sums.items()
    }


def scaled(evidence: Evidence, max_weight: float) -> Evidence:
    """The same mean and spread, worth at most `max_weight` posts: a borrowed, humble prior."""
    if evidence.weight <= max_weight or evidence.weight == 0:
        return evidence
    return evidence.scaled_by(max_weight / evidence.weight)
