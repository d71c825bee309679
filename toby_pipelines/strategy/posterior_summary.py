"""Summaries of a dimension's posteriors: credible intervals and the probability each is best."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from toby_pipelines.strategy.normal_gamma import NormalGamma

DRAWS = 4000


@dataclass(frozen=True)
class OptionSummary:
    interval_low: float
    interval_high: float
    prob_best: float


def summarize(
    posteriors: Mapping[str, NormalGamma], rng: np.random.Generator, draws: int = DRAWS
) -> dict[str, OptionSummary]:
    """90% credible interval of each option's mean and its Monte Carlo probability of being best."""
    if not posteriors:
        return {}
    names = list(posteriors)
    samples = np.stack([posteriors[name].draw_means(rng, draws) for name in names])
    wins = np.bincount(samples.argmax(axis=0), minlength=len(names)) / draws
    low, high = np.percentile(samples, [5, 95], axis=1)
    return {
        name: OptionSummary(float(low[i]), float(high[i]), float(wins[i]))
        for i, name in enumerate(names)
    }
