"""Exact summaries of a dimension's posteriors, checked against brute-force Monte Carlo."""

import numpy as np
import pytest

from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, Evidence, NormalGamma, update
from toby_pipelines.strategy.posterior_summary import (
    NODES_PER_OPTION,
    best_probabilities,
    prob_best,
    summarize,
    summarize_many,
)

DIMENSION = {
    "story": update(DEFAULT_PRIOR, Evidence(6, 6 * 62.0, 6 * 62.0**2 + 6 * 80, 6)),
    "data": update(DEFAULT_PRIOR, Evidence(3, 3 * 55.0, 3 * 55.0**2 + 3 * 150, 3)),
    "humour": update(DEFAULT_PRIOR, Evidence(0.5, 0.5 * 70.0, 0.5 * 70.0**2, 1)),
    "untried": DEFAULT_PRIOR,
    "settled": NormalGamma(mu=58.0, kappa=400.0, alpha=200.0, beta=200.0 * 90.0),
}


def _monte_carlo(posteriors, draws=2_000_000):
    rng = np.random.default_rng(11)
    rows = []
    for p in posteriors.values():
        precision = rng.gamma(p.alpha, 1.0 / p.beta, draws)
        rows.append(p.mu + rng.standard_normal(draws) / np.sqrt(p.kappa * precision))
    samples = np.array(rows)
    wins = np.bincount(samples.argmax(axis=0), minlength=len(rows)) / draws
    low, high = np.percentile(samples, [5, 95], axis=1)
    return wins, low, high


def test_exact_summaries_agree_with_two_million_draws():
    exact = summarize(DIMENSION)
    wins, low, high = _monte_carlo(DIMENSION)
    for i, option in enumerate(DIMENSION):
        # Two million draws: the Monte Carlo error of a probability is at most 0.00035, of a
        # heavy-tailed 5% quantile about 0.06.
        assert exact[option].prob_best == pytest.approx(wins[i], abs=0.0015)
        assert exact[option].interval_low == pytest.approx(low[i], abs=0.25)
        assert exact[option].interval_high == pytest.approx(high[i], abs=0.25)
    assert sum(s.prob_best for s in exact.values()) == pytest.approx(1.0, abs=1e-6)


def test_probabilities_are_never_floored_or_rounded_to_a_draw_count():
    far_behind = {
        "leader": NormalGamma(mu=80.0, kappa=50.0, alpha=30.0, beta=30.0 * 25.0),
        "behind": NormalGamma(mu=60.0, kappa=50.0, alpha=30.0, beta=30.0 * 25.0),
    }
    result = prob_best(far_behind)
    assert 0.0 < result["behind"] < 1e-6
    assert result["leader"] == pytest.approx(1.0 - result["behind"], abs=1e-9)
    equal = prob_best({"a": DEFAULT_PRIOR, "b": DEFAULT_PRIOR, "c": DEFAULT_PRIOR})
    assert all(p == pytest.approx(1 / 3, abs=1e-6) for p in equal.values())


def test_many_dimensions_at_once_equal_each_alone():
    other = {"a": DEFAULT_PRIOR, "b": NormalGamma(52.0, 3.0, 3.5, 3.5 * 300.0)}
    together = summarize_many([DIMENSION, other, {}])
    assert together == [summarize(DIMENSION), summarize(other), {}]
    assert summarize({"only": DEFAULT_PRIOR})["only"].prob_best == 1.0


def _random_dimensions(count: int, seed: int) -> list[dict[str, NormalGamma]]:
    """Dimensions like a day's: 2-10 options, from untried to settled, close and far apart."""
    rng = np.random.default_rng(seed)
    dimensions = []
    for _ in range(count):
        options = {}
        for i in range(int(rng.integers(2, 11))):
            alpha = float(rng.uniform(2.0, 200.0))
            options[f"o{i}"] = NormalGamma(
                mu=float(rng.normal(50.0, rng.choice([1.0, 5.0, 20.0]))),
                kappa=float(rng.uniform(0.5, 300.0)),
                alpha=alpha,
                beta=alpha * float(rng.uniform(20.0, 400.0)),
            )
        dimensions.append(options)
    return dimensions


def _grid_of(posteriors: dict[str, NormalGamma]):
    values = list(posteriors.values())
    df = np.array([2.0 * p.alpha for p in values])
    loc = np.array([p.mu for p in values])
    scale = np.sqrt(np.array([p.beta / (p.alpha * p.kappa) for p in values]))
    return df, loc, scale


def test_the_shortcuts_move_probabilities_far_less_than_the_grid_is_accurate():
    """The node table and the untouched tails against the grid they stand for: every CDF
    evaluated at every node, the nodes the exact quantiles of each option's own degrees of
    freedom (`best_probabilities` with the same node count). Moving the nodes moves the
    trapezoid rule's answer by a few millionths, against its error of up to 2e-4 (the next
    test)."""
    dimensions = _random_dimensions(300, seed=5)
    summaries = summarize_many(dimensions)
    worst = 0.0
    for posteriors, summary in zip(dimensions, summaries, strict=True):
        full = best_probabilities(*_grid_of(posteriors), NODES_PER_OPTION)
        fast = np.array([summary[name].prob_best for name in posteriors])
        worst = max(worst, float(np.abs(fast - full).max()))
    assert worst < 2e-5


def test_probabilities_agree_with_a_grid_sixteen_times_finer():
    dimensions = _random_dimensions(150, seed=6)
    for posteriors, summary in zip(dimensions, summarize_many(dimensions), strict=True):
        fine = best_probabilities(*_grid_of(posteriors), 16 * NODES_PER_OPTION)
        fast = np.array([summary[name].prob_best for name in posteriors])
        assert np.abs(fast - fine).max() < 5e-4
