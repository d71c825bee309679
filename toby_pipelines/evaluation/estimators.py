"""Off-policy estimators of a target policy's mean score from logged posts.

Each logged post i has its final score r_i, the importance weight w_i = pi(a_i) / mu(a_i) of
the options it was published with (target over logging probability; the logging probability is
the propensity recorded when it was planned), and for the doubly robust estimator a model's
prediction q_i for its own options and q_pi_i, the model's expectation under the target policy.

- IPW: mean(w r). Unbiased when every option the target can choose had a chance under logging.
- Self-normalized IPW: sum(w r) / sum(w). Slightly biased, far less variable.
- Doubly robust: mean(q_pi + w (r - q)). Unbiased whenever the propensities are right, and
  tighter the better the model.

Intervals are normal 95% intervals from the estimators' standard errors (the delta method for
the self-normalized one). The effective sample size (sum w)^2 / sum w^2 says how many posts the
estimate is really worth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    estimator: str
    value: float
    stderr: float
    effective_sample_size: float
    posts: int

    @property
    def low(self) -> float:
        return self.value - Z_95 * self.stderr

    @property
    def high(self) -> float:
        return self.value + Z_95 * self.stderr


def _ess(weights: np.ndarray) -> float:
    total = float((weights * weights).sum())
    return float(weights.sum()) ** 2 / total if total > 0 else 0.0


def _mean_and_error(values: np.ndarray) -> tuple[float, float]:
    if len(values) < 2:
        return (float(values.mean()) if len(values) else math.nan), math.nan
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def ipw(scores: Sequence[float], weights: Sequence[float]) -> Estimate:
    r, w = np.asarray(scores, float), np.asarray(weights, float)
    value, error = _mean_and_error(w * r)
    return Estimate("IPW", value, error, _ess(w), len(r))


def snipw(scores: Sequence[float], weights: Sequence[float]) -> Estimate:
    r, w = np.asarray(scores, float), np.asarray(weights, float)
    total = float(w.sum())
    if total <= 0:
        return Estimate("SNIPW", math.nan, math.nan, 0.0, len(r))
    value = float((w * r).sum()) / total
    error = float(math.sqrt(((w * (r - value)) ** 2).sum())) / total
    return Estimate("SNIPW", value, error, _ess(w), len(r))


def doubly_robust(
    scores: Sequence[float],
    weights: Sequence[float],
    predicted: Sequence[float],
    predicted_under_target: Sequence[float],
) -> Estimate:
    r, w = np.asarray(scores, float), np.asarray(weights, float)
    q, q_pi = np.asarray(predicted, float), np.asarray(predicted_under_target, float)
    value, error = _mean_and_error(q_pi + w * (r - q))
    return Estimate("DR", value, error, _ess(w), len(r))
