"""Detecting that a brand's audience changed: a CUSUM on standardized residuals.

Per brand and content type, posts are replayed in publishing order. Each post's score is
compared with what its chosen options have scored since the last change (the average over
dimensions of each chosen option's mean, shrunk toward the brand's mean); the residual is
standardized by the spread of past residuals. A lower CUSUM accumulates residuals below
-SLACK standard deviations and signals when it passes THRESHOLD (about one false alarm per 900
posts on a stationary audience). The change is dated where the CUSUM last started climbing:
evidence from before it is discounted (see `PRE_CHANGE_WEIGHT`), which widens the posteriors so
Thompson sampling re-explores.

Only drops reset: a rise means what Toby already does got better, and the prediction lags
behind learning (it averages early, exploratory posts), so rises are mostly progress.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from toby_pipelines.strategy.evidence import ScoredPost

SLACK = 0.5
THRESHOLD = 5.0
# Posts after a (re)start before residuals are judged: option means need a few samples.
WARMUP_POSTS = 10
# Pseudo-posts of the brand mean in each option's shrunk mean.
SHRINKAGE = 2.0
FALLBACK_RESIDUAL_SD = 15.0
MIN_RESIDUAL_SD = 4.0
# Evidence from before a detected change counts this much.
PRE_CHANGE_WEIGHT = 0.1


@dataclass(frozen=True)
class ChangePoint:
    brand_id: str
    content_type: str
    changed_on: dt.date  # first post of the drop
    detected_on: dt.date  # post whose score raised the alarm
    drop: float  # mean residual over the drop, in score points


@dataclass
class _Running:
    count: int = 0
    total: float = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value


def detect_changes(posts: Sequence[ScoredPost]) -> list[ChangePoint]:
    """Every change detected in one brand's posts of one content type, oldest first.

    `posts` hold one score per post in publishing order (see `latest_scores`)."""
    changes: list[ChangePoint] = []
    brand, options = _Running(), {}
    residual_sq = _Running()
    cusum, run_start, run_residuals = 0.0, None, _Running()
    for post in posts:
        if brand.count >= WARMUP_POSTS:
            base = brand.total / brand.count
            predicted = sum(
                _shrunk(options.get((dim, opt)), base) for dim, opt in post.options.items()
            ) / max(1, len(post.options))
            residual = post.score - predicted
            sd = (
                max(MIN_RESIDUAL_SD, math.sqrt(residual_sq.total / residual_sq.count))
                if residual_sq.count >= 5
                else FALLBACK_RESIDUAL_SD
            )
            cusum = max(0.0, cusum - residual / sd - SLACK)
            if cusum == 0.0:
                run_start, run_residuals = None, _Running()
            else:
                run_start = run_start or post.published_on
                run_residuals.add(residual)
            residual_sq.add(residual * residual)
            if cusum > THRESHOLD:
                changes.append(
                    ChangePoint(
                        post.brand_id,
                        post.content_type,
                        changed_on=run_start or post.published_on,
                        detected_on=post.published_on,
                        drop=run_residuals.total / max(1, run_residuals.count),
                    )
                )
                brand, options, residual_sq = _Running(), {}, _Running()
                cusum, run_start, run_residuals = 0.0, None, _Running()
        brand.add(post.score)
        for key in post.options.items():
            options.setdefault(key, _Running()).add(post.score)
    return changes


def _shrunk(running: _Running | None, base: float) -> float:
    if running is None:
        return base
    return (running.total + SHRINKAGE * base) / (running.count + SHRINKAGE)
