"""Summaries of a dimension's posteriors: credible intervals and the probability each is best."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from toby_pipelines.strategy.normal_gamma import NormalGamma, draw_means_of

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
    samples = draw_means_of([posteriors[name] for name in names], rng, draws)
    wins = np.bincount(samples.argmax(axis=0), minlength=len(names)) / draws
    low, high = np.percentile(samples, [5, 95], axis=1)
    return {
        name: OptionSummary(float(low[i]), float(high[i]), float(wins[i]))
        for i, name in enumerate(names)
    }


def prob_best(
    posteriors: Mapping[str, NormalGamma], rng: np.random.Generator, draws: int = DRAWS
) -> dict[str, float]:
    """Monte Carlo probability that each option has the highest mean."""
    names = list(posteriors)
    samples = draw_means_of([posteriors[name] for name in names], rng, draws)
    wins = np.bincount(samples.argmax(axis=0), minlength=len(names)) / draws
    return {name: float(wins[i]) for i, name in enumerate(names)}
