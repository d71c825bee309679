"""Choosing a post's strategy: Thompson sampling per dimension, with the user's explore share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, NormalGamma


@dataclass(frozen=True)
class StrategyChoice:
    options: dict[str, str]
    is_experiment: bool


def choose_strategy(
    pools: Mapping[str, Sequence[str]],
    posteriors: Mapping[str, Mapping[str, NormalGamma]],
    explore_ratio: float,
    rng: np.random.Generator,
) -> StrategyChoice:
    """Pick one option per dimension.

    With probability `explore_ratio` the post is an experiment and every option is drawn
    uniformly (seed 000 section 5.5); otherwise each dimension takes the option whose sampled mean
    is highest. Options with no stored posterior yet start from the default prior.
    """
    if not 0.0 <= explore_ratio <= 1.0:
        raise ValueError(f"explore_ratio must be between 0 and 1, got {explore_ratio}")
    is_experiment = bool(rng.random() < explore_ratio)
    chosen: dict[str, str] = {}
    for dimension, options in pools.items():
        if not options:
            raise ValueError(f"dimension {dimension!r} has no options to choose from")
        if is_experiment:
            chosen[dimension] = options[int(rng.integers(len(options)))]
            continue
        known = posteriors.get(dimension, {})
        draws = [known.get(option, DEFAULT_PRIOR).draw_means(rng, 1)[0] for option in options]
        chosen[dimension] = options[int(np.argmax(draws))]
    return StrategyChoice(chosen, is_experiment)
