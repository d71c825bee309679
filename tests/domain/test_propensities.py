"""Propensities are Thompson sampling's exact choice probabilities (issue 12, defect 3), not
shares of a few hundred draws floored at one over their count."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, NormalGamma
from toby_pipelines.strategy.selection import POSTERIOR_WIDTH, choose_strategy
from toby_pipelines.strategy.thompson import choice_probabilities


def nearly_normal(mean: float, sd: float) -> NormalGamma:
    """A posterior whose mean is all but exactly Normal(mean, sd): alpha huge."""
    alpha = 1e7
    return NormalGamma(mean, 1.0, alpha, alpha * sd * sd)


def reference(posteriors, width):
    """P(option i's sharpened draw is the highest), by adaptive quadrature in i's quantiles."""
    df = np.array([2 * p.alpha for p in posteriors])
    loc = np.array([p.mu for p in posteriors])
    scale = width * np.sqrt([p.beta / (p.alpha * p.kappa) for p in posteriors])

    def others_below(u, i):
        x = loc[i] + scale[i] * special.stdtrit(df[i], u)
        return math.prod(
            special.stdtr(df[j], (x - loc[j]) / scale[j]) for j in range(len(df)) if j != i
        )

    found = []
    for i in range(len(df)):
        breaks = sorted(
            {
                float(
                    special.stdtr(
                        df[i], (loc[j] + scale[j] * special.stdtrit(df[j], q) - loc[i]) / scale[i]
                    )
                )
                for j in range(len(df))
                if j != i
                for q in (1e-3, 0.1, 0.5, 0.9, 0.999)
            }
            - {0.0, 1.0}
        )
        value, _ = integrate.quad(
            others_below,
            1e-12,  # the mass left out is under 2e-12
            1 - 1e-12,
            args=(i,),
            points=breaks,
            limit=1000,
            epsabs=1e-12,
        )
        found.append(value)
    return found


def test_two_normal_options_match_the_closed_form():
    a, b = nearly_normal(52, 5), nearly_normal(50, 5)
    spread = POSTERIOR_WIDTH * 5 * math.sqrt(2)
    expected = special.ndtr(2 / spread)
    got = choice_probabilities((a, b), POSTERIOR_WIDTH)
    assert got[0] == pytest.approx(expected, abs=1e-4)
    assert got[1] == pytest.approx(1 - expected, abs=1e-4)


def test_an_option_far_behind_gets_its_small_probability_not_a_floor():
    a, b = nearly_normal(60, 4), nearly_normal(50, 4)
    expected = special.ndtr(-10 / (POSTERIOR_WIDTH * 4 * math.sqrt(2)))  # about 2e-4
    got = choice_probabilities((a, b), POSTERIOR_WIDTH)[1]
    assert got == pytest.approx(expected, rel=0.02)
    assert got < 1 / 256  # what 256 draws could never say


def test_many_options_heavy_tails_and_narrow_ones_within_1e_4():
    rng = np.random.default_rng(7)
    for _ in range(40):
        count = int(rng.integers(2, 11))
        posteriors = tuple(
            NormalGamma(
                float(rng.normal(50, rng.choice([1, 5, 15]))),
                float(rng.choice([0.5, 1, 3, 10, 50, 200])),
                float(rng.choice([1.0, 1.5, 3, 10, 60])),
                float(rng.choice([50, 200, 1000, 5000])),
            )
            for _ in range(count)
        )
        got = choice_probabilities(posteriors, POSTERIOR_WIDTH)
        assert np.abs(np.array(got) - reference(posteriors, POSTERIOR_WIDTH)).max() < 1e-4


def test_the_recorded_propensity_is_the_exact_probability_of_the_choice():
    pools = {"personality": ("story", "data", "edu")}
    known = {"story": NormalGamma(60, 3, 3, 600), "data": NormalGamma(57, 3, 3, 600)}
    posteriors = {"personality": known}
    # "edu" has no posterior yet: Thompson sampling draws it from the prior.
    laws = (known["story"], known["data"], DEFAULT_PRIOR)
    exact = dict(
        zip(pools["personality"], choice_probabilities(laws, POSTERIOR_WIDTH), strict=True)
    )
    counts = dict.fromkeys(exact, 0)
    for seed in range(20_000):
        choice = choose_strategy(pools, posteriors, np.random.default_rng(seed), explore_ratio=0.0)
        option = choice.options["personality"]
        counts[option] += 1
        assert choice.propensity == exact[option]
    for option, probability in exact.items():
        standard_error = math.sqrt(probability * (1 - probability) / 20_000)
        assert counts[option] / 20_000 == pytest.approx(probability, abs=4 * standard_error)
