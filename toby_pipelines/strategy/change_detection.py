"""Detecting that a brand's audience changed: CUSUMs on standardized residuals, both ways.

Per brand and content type, posts are replayed in publishing order. Each post's score is
compared with what its chosen options have scored since the last change (the average over
dimensions of each chosen option's mean, shrunk toward the brand's mean); the residual is
standardized by the spread of past residuals.

- **Drops.** A lower CUSUM over every post accumulates residuals below -SLACK standard
  deviations and signals when it passes THRESHOLD: on simulated seasons of 540 posts (5
  dimensions of 5 options, noise SD 12) one false alarm per 13,500 posts of a stable audience,
  and a 10-point drop found in a median 4 days (`tests/domain/test_drops.py`; 6 was chosen
  over 5 on the learning benchmark's training half). The change is dated where the CUSUM last
  started climbing; all evidence from before it is discounted (see `PRE_CHANGE_WEIGHT`), which
  widens the posteriors so Thompson sampling re-explores.
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

The detector's state between posts is a `DetectorState`: `continue_detection` goes on from one,
so learning carries each stream's detector from day to day (`carried_detection`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from toby_pipelines.strategy.evidence import ScoredPost

SLACK = 0.5
THRESHOLD = 6.0
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
class DetectorState:
    """One stream's detector between posts: what `detect_changes` keeps from post to post, so the
    detector can go on tomorrow from where it stopped today (`carried_detection`) instead of
    replaying the horizon. Lists, not objects, for the replay's speed:

    - `brand`: [count, total] of the stream's scores since the last drop, then the residuals'
      [count, sum of squares] for the drop and for the rises;
    - `drop`, each of `rises` (by (dimension, option)): a CUSUM, [value, first day of the run,
      residual count, residual total, score count, score total];
    - `options`: each (dimension, option)'s [count, total] of scores since the last change;
    - `changes`: what it detected, oldest first (kept by `carried_detection` while they matter).
    """

    brand: list = field(default_factory=lambda: [0, 0.0, 0, 0.0, 0, 0.0])
    drop: list = field(default_factory=lambda: _cusum())
    options: dict = field(default_factory=dict)
    rises: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)


def detect_changes(posts: Sequence[ScoredPost]) -> list[ChangePoint]:
    """Every drop and rise detected in one brand's posts of one content type, oldest first.

    `posts` hold one score per post in publishing order (see `latest_scores`)."""
    return continue_detection(DetectorState(), posts)


def continue_detection(state: DetectorState, posts: Sequence[ScoredPost]) -> list[ChangePoint]:
    """Feed `posts` to a detector in `state` (updated in place, its `changes` extended); returns
    the changes they raised. Fed in two parts, the posts raise what they raise fed at once, to
    the last bit (`tests/domain/test_carried_detection.py`).

    It runs every day for every brand, so its state is kept in plain lists and locals rather
    than objects (the arithmetic, and so every result, is that of the description above, step
    for step)."""
    changes: list[ChangePoint] = []
    # The brand's and each option's running (count, total) since the last change; the running
    # (count, sum of squares) of the drop's and the rises' residuals.
    brand_count, brand_total, residual_count, residual_sq, rise_count, rise_sq = state.brand
    options: dict[tuple[str, str], list] = state.options
    # A CUSUM: [value, start, residual count, residual total, score count, score total].
    drop = state.drop
    rises: dict[tuple[str, str], list] = state.rises
    for post in posts:
        score = post.score
        keys = list(post.options.items())
        if brand_count >= WARMUP_POSTS:
            base = brand_total / brand_count
            shrunk = [_shrunk(options.get(key), base) for key in keys]
            predicted = 0.0
            for value in shrunk:
                predicted += value
            predicted /= max(1, len(keys))
            residual = score - predicted
            sd = (
                max(MIN_RESIDUAL_SD, math.sqrt(residual_sq / residual_count))
                if residual_count >= 5
                else FALLBACK_RESIDUAL_SD
            )
            # A rise is judged against the additive prediction: each chosen option's shift
            # from the brand mean, summed, so one option's rise is not diluted by the others.
            shifts = [value - base for value in shrunk]
            total_shift = 0.0
            for shift in shifts:
                total_shift += shift
            additive = base + total_shift
            rise_sd = (
                max(MIN_RESIDUAL_SD, math.sqrt(rise_sq / rise_count))
                if rise_count >= 5
                else FALLBACK_RESIDUAL_SD
            )
            rise_count += 1
            rise_sq += (score - additive) ** 2
            residual_count += 1
            residual_sq += residual * residual
            _step(drop, -residual / sd - SLACK, residual, post.published_on, 0.0)
            if drop[0] > THRESHOLD:
                changes.append(
                    ChangePoint(
                        post.brand_id,
                        post.content_type,
                        changed_on=drop[1] or post.published_on,
                        detected_on=post.published_on,
                        shift=_mean_residual(drop),
                    )
                )
                brand_count, brand_total, options = 0, 0.0, {}
                residual_count, residual_sq, rise_count, rise_sq = 0, 0.0, 0, 0.0
                drop, rises = _cusum(), {}
            else:
                for index, key in enumerate(keys):
                    rise = rises.get(key)
                    if rise is None:
                        rise = rises[key] = _cusum()
                    # The option is judged against its mean from before the run began, so the
                    # posts of a rise do not raise the bar they are measured against.
                    history = options.get(key)
                    known = (history[0] if history else 0) - rise[4]
                    if known < RISE_MIN_POSTS:
                        continue
                    before = _shrunk(history, base, rise) - base
                    own = score - (additive - shifts[index] + before)
                    # The option's old mean is itself uncertain, by its own few posts.
                    spread = rise_sd * math.sqrt(1.0 + 1.0 / (known + SHRINKAGE))
                    # One post counts at most RISE_CAP deviations: it is shared by every option it
                    # used, so a rise needs more than one post to tell which option rose.
                    excess = min(own / spread, RISE_CAP) - RISE_SLACK
                    _step(rise, excess, own, post.published_on, score)
                    if rise[0] > RISE_THRESHOLD:
                        changes.append(
                            ChangePoint(
                                post.brand_id,
                                post.content_type,
                                changed_on=rise[1] or post.published_on,
                                detected_on=post.published_on,
                                shift=_mean_residual(rise),
                                dimension=key[0],
                                option=key[1],
                            )
                        )
                        # The option starts over from this post on; its old mean is stale.
                        options.pop(key, None)
                        rises.pop(key)
        brand_count += 1
        brand_total += score
        for key in keys:
            running = options.get(key)
            if running is None:
                options[key] = [1, score]
            else:
                running[0] += 1
                running[1] += score
    state.brand = [brand_count, brand_total, residual_count, residual_sq, rise_count, rise_sq]
    state.drop, state.options, state.rises = drop, options, rises
    state.changes.extend(changes)
    return changes


def _cusum() -> list:
    return [0.0, None, 0, 0.0, 0, 0.0]


def _step(cusum: list, excess: float, residual: float, on: dt.date, score: float) -> None:
    """Accumulate `excess` (standardized, past the slack); track where the run began and the
    residuals and scores of the run's posts."""
    value = max(0.0, cusum[0] + excess)
    if value == 0.0:
        cusum[:] = _cusum()
        return
    cusum[0] = value
    cusum[1] = cusum[1] or on
    cusum[2] += 1
    cusum[3] += residual
    cusum[4] += 1
    cusum[5] += score


def _mean_residual(cusum: list) -> float:
    return cusum[3] / max(1, cusum[2]) if cusum[2] else 0.0


def _shrunk(running: list | None, base: float, without: list | None = None) -> float:
    """An option's mean shrunk toward the brand's, leaving out the scores of the run `without`
    (a CUSUM's)."""
    if running is None:
        return base
    count, total = running
    if without is not None:
        total, count = total - without[5], count - without[4]
    return (total + SHRINKAGE * base) / (count + SHRINKAGE)
