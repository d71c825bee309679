"""Detecting that a brand's audience changed: CUSUMs on standardized residuals, both ways.

Per brand and content type, posts are replayed in publishing order. Each post's score is
compared with what its chosen options have scored since the last change (the average over
dimensions of each chosen option's mean, shrunk toward the brand's mean); the residual is
standardized by the spread of past residuals.

- **Drops.** A lower CUSUM over every post accumulates residuals below -SLACK standard
  deviations and signals when it passes THRESHOLD (about one false alarm per 900 posts on a
  stationary audience). The change is dated where the CUSUM last started climbing; all evidence
  from before it is discounted (see `PRE_CHANGE_WEIGHT`), which widens the posteriors so Thompson
  sampling re-explores.
- **Rises.** An option Toby stopped choosing can become the audience's favourite; the brand's
  scores do not show it, because Toby rarely posts it. So each option with at least
  RISE_MIN_POSTS posts has its own upper CUSUM, fed only by the posts that used it: the
  post's score against the additive prediction (each chosen option's shift from the brand mean,
  summed) with this option's shift taken from before the run began, standardized by the
  residual spread widened by how little the option's old mean rests on. It accumulates
  excesses over RISE_SLACK (one post counting at most RISE_CAP, since every option of a post
  shares its score) and signals past RISE_THRESHOLD. Then only that option's evidence from
  before the rise is discounted, so its posterior follows its new scores. Measured on
  simulated seasons of 540 posts (5 dimensions of 5 options): about one false rise per two
  seasons, and a 17-point rise of an abandoned option that gets a tenth of the posts found in a
  median 18 days (`tests/domain/test_rises.py`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from toby_pipelines.strategy.evidence import ScoredPost

SLACK = 0.5
THRESHOLD = 5.0
RISE_SLACK = 0.75
RISE_THRESHOLD = 5.0
# An option is judged for a rise once it has this many posts from before.
RISE_MIN_POSTS = 4
RISE_CAP = 3.0
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
    """A drop of a brand's content type (no dimension), or a rise of one option."""

    brand_id: str
    content_type: str
    changed_on: dt.date  # first post of the shift
    detected_on: dt.date  # post whose score raised the alarm
    shift: float  # mean residual over the shift, in score points: negative for a drop
    dimension: str | None = None
    option: str | None = None

    @property
    def is_rise(self) -> bool:
        return self.option is not None


@dataclass
class _Running:
    count: int = 0
    total: float = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value


@dataclass
class _Cusum:
    value: float = 0.0
    start: dt.date | None = None
    residuals: _Running | None = None
    scores: _Running | None = None  # of the posts since the run began

    def step(self, excess: float, residual: float, on: dt.date, score: float = 0.0) -> None:
        """Accumulate `excess` (standardized, past the slack); track where the run began."""
        self.value = max(0.0, self.value + excess)
        if self.value == 0.0:
            self.start, self.residuals, self.scores = None, None, None
            return
        self.start = self.start or on
        self.residuals = self.residuals or _Running()
        self.residuals.add(residual)
        self.scores = self.scores or _Running()
        self.scores.add(score)

    def mean_residual(self) -> float:
        return self.residuals.total / max(1, self.residuals.count) if self.residuals else 0.0


def detect_changes(posts: Sequence[ScoredPost]) -> list[ChangePoint]:
    """Every drop and rise detected in one brand's posts of one content type, oldest first.

    `posts` hold one score per post in publishing order (see `latest_scores`)."""
    changes: list[ChangePoint] = []
    brand, options = _Running(), {}
    residual_sq, rise_sq = _Running(), _Running()
    drop = _Cusum()
    rises: dict[tuple[str, str], _Cusum] = {}
    for post in posts:
        if brand.count >= WARMUP_POSTS:
            base = brand.total / brand.count
            predicted = sum(_shrunk(options.get(key), base) for key in post.options.items()) / max(
                1, len(post.options)
            )
            residual = post.score - predicted
            sd = (
                max(MIN_RESIDUAL_SD, math.sqrt(residual_sq.total / residual_sq.count))
                if residual_sq.count >= 5
                else FALLBACK_RESIDUAL_SD
            )
            # A rise is judged against the additive prediction: each chosen option's shift
            # from the brand mean, summed, so one option's rise is not diluted by the others.
            shifts = {key: _shrunk(options.get(key), base) - base for key in post.options.items()}
            additive = base + sum(shifts.values())
            rise_sd = (
                max(MIN_RESIDUAL_SD, math.sqrt(rise_sq.total / rise_sq.count))
                if rise_sq.count >= 5
                else FALLBACK_RESIDUAL_SD
            )
            rise_sq.add((post.score - additive) ** 2)
            residual_sq.add(residual * residual)
            drop.step(-residual / sd - SLACK, residual, post.published_on)
            if drop.value > THRESHOLD:
                changes.append(
                    ChangePoint(
                        post.brand_id,
                        post.content_type,
                        changed_on=drop.start or post.published_on,
                        detected_on=post.published_on,
                        shift=drop.mean_residual(),
                    )
                )
                brand, options, residual_sq, rise_sq = _Running(), {}, _Running(), _Running()
                drop, rises = _Cusum(), {}
            else:
                for key in post.options.items():
                    rise = rises.setdefault(key, _Cusum())
                    # The option is judged against its mean from before the run began, so the
                    # posts of a rise do not raise the bar they are measured against.
                    history = options.get(key)
                    known = (history.count if history else 0) - (
                        rise.scores.count if rise.scores else 0
                    )
                    if known < RISE_MIN_POSTS:
                        continue
                    before = _shrunk(history, base, without=rise.scores) - base
                    own = post.score - (additive - shifts[key] + before)
                    # The option's old mean is itself uncertain, by its own few posts.
                    spread = rise_sd * math.sqrt(1.0 + 1.0 / (known + SHRINKAGE))
                    # One post counts at most RISE_CAP deviations: it is shared by every option it
                    # used, so a rise needs more than one post to tell which option rose.
                    excess = min(own / spread, RISE_CAP) - RISE_SLACK
                    rise.step(excess, own, post.published_on, post.score)
                    if rise.value > RISE_THRESHOLD:
                        changes.append(
                            ChangePoint(
                                post.brand_id,
                                post.content_type,
                                changed_on=rise.start or post.published_on,
                                detected_on=post.published_on,
                                shift=rise.mean_residual(),
                                dimension=key[0],
                                option=key[1],
                            )
                        )
                        # The option starts over from this post on; its old mean is stale.
                        options.pop(key, None)
                        rises.pop(key)
        brand.add(post.score)
        for key in post.options.items():
            options.setdefault(key, _Running()).add(post.score)
    return changes


def _shrunk(running: _Running | None, base: float, without: _Running | None = None) -> float:
    """An option's mean shrunk toward the brand's, leaving out the scores in `without`."""
    if running is None:
        return base
    total, count = running.total, running.count
    if without is not None:
        total, count = total - without.total, count - without.count
    return (total + SHRINKAGE * base) / (count + SHRINKAGE)
