"""The posterior update is a correct Bayesian update, not a running average.

Checked against a brute-force grid posterior over (mean, precision), and for the weighted form:
weight 2 on a score equals seeing it twice.
"""

import numpy as np
import pytest

from toby_pipelines.strategy.normal_gamma import (
    DEFAULT_PRIOR,
    Evidence,
    NormalGamma,
    draw_means_of,
    update,
)


def grid_posterior_mean(prior: NormalGamma, scores: list[float]) -> tuple[float, float]:
    mus = np.linspace(-400, 500, 3601)  # wide: the mean's marginal is a heavy-tailed t
    taus = np.linspace(1e-5, 0.05, 800)
    m, t = np.meshgrid(mus, taus, indexing="ij")
    log_p = (
        (prior.alpha - 0.5) * np.log(t) - prior.beta * t - prior.kappa * t * (m - prior.mu) ** 2 / 2
    )
    for x in scores:
        log_p += 0.5 * np.log(t) - t * (x - m) ** 2 / 2
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    return float((p * m).sum()), float((p * t).sum())


@pytest.mark.parametrize("scores", [[62.0], [40.0, 55.0, 71.0, 48.0], [80.0] * 6 + [20.0]])
def test_update_matches_grid_posterior(scores):
    evidence = Evidence()
    for x in scores:
        evidence = evidence.add(x)
    post = update(DEFAULT_PRIOR, evidence)
    grid_mu, grid_tau = grid_posterior_mean(DEFAULT_PRIOR, scores)
    assert post.mu == pytest.approx(grid_mu, abs=0.05)
    assert post.alpha / post.beta == pytest.approx(grid_tau, rel=0.02)


def test_weight_two_equals_two_observations():
    twice = update(DEFAULT_PRIOR, Evidence().add(70).add(70).add(30))
    weighted = update(DEFAULT_PRIOR, Evidence().add(70, 2.0).add(30))
    assert (weighted.mu, weighted.kappa, weighted.alpha, weighted.beta) == pytest.approx(
        (twice.mu, twice.kappa, twice.alpha, twice.beta)
    )


def test_no_evidence_keeps_the_prior_and_more_evidence_narrows():
    assert update(DEFAULT_PRIOR, Evidence()) == DEFAULT_PRIOR
    few = update(DEFAULT_PRIOR, Evidence().add(60).add(64))
    many = few
    for _ in range(20):
        many = update(many, Evidence().add(62))
    assert many.mean_sd < few.mean_sd


def test_draws_centre_on_the_posterior_mean():
    post = update(DEFAULT_PRIOR, Evidence().add(70).add(74).add(66))
    draws = post.draw_means(np.random.default_rng(1), 20_000)
    assert draws.mean() == pytest.approx(post.mu, abs=0.5)


def test_invalid_parameters_are_refused():
    with pytest.raises(ValueError, match="positive"):
        NormalGamma(50, 0, 1, 1)
    with pytest.raises(ValueError, match="non-negative"):
        Evidence().add(50, -1)


def test_sharpened_draws_keep_the_mean_and_scale_the_spread():
    posterior = NormalGamma(mu=55.0, kappa=4.0, alpha=6.0, beta=6.0 * 150.0)
    full = draw_means_of([posterior], np.random.default_rng(2), 40_000)[0]
    sharp = draw_means_of([posterior], np.random.default_rng(2), 40_000, width=0.5)[0]
    assert sharp.mean() == pytest.approx(55.0, abs=0.1)
    assert np.std(sharp) == pytest.approx(0.5 * np.std(full), rel=1e-9)


def test_prepared_law_arrays_draw_what_the_reference_draws():
    """Every planned post replays from its seed, so the draws' order and arithmetic are fixed:
    gamma precisions for all options, then their normals (the reference below)."""
    from toby_pipelines.strategy.normal_gamma import LawArrays

    laws = [NormalGamma(55.0, 2.0, 4.0, 300.0), NormalGamma(61.0, 9.0, 12.0, 800.0),
            NormalGamma(48.0, 0.5, 1.5, 40.0)]  # fmt: skip
    reference_rng, rng = np.random.default_rng(11), np.random.default_rng(11)
    alpha = np.array([[p.alpha] for p in laws])
    beta = np.array([[p.beta] for p in laws])
    kappa = np.array([[p.kappa] for p in laws])
    mu = np.array([[p.mu] for p in laws])
    precision = reference_rng.gamma(shape=alpha, scale=1.0 / beta, size=(3, 5))
    reference = mu + 0.5 * reference_rng.standard_normal((3, 5)) / np.sqrt(kappa * precision)
    prepared = LawArrays.of(laws)
    assert np.array_equal(prepared.draw_means(rng, 5, 0.5), reference)
    assert reference_rng.random() == rng.random()  # the stream is left where it was


def _any_laws(cases: np.random.Generator) -> list[NormalGamma]:
    """1 to 10 options' laws, tiny and large shapes and rates among them."""
    return [
        NormalGamma(
            float(cases.normal(50, 20)),
            float(10 ** cases.uniform(-3, 3)),
            float(10 ** cases.uniform(-3, 3)),
            float(10 ** cases.uniform(-3, 5)),
        )
        for _ in range(int(cases.integers(1, 11)))
    ]


def test_draws_option_by_option_are_the_column_calls_numbers_for_any_laws():
    """The prepared arrays draw each option's precisions with scalar parameters; a planned post
    replays only if these are the numbers one `gamma` call with the parameters as columns gives,
    whatever the laws (tiny and large shapes and rates), the number of draws and the seed."""
    from toby_pipelines.strategy.normal_gamma import LawArrays

    cases = np.random.default_rng(2026)
    for seed in range(300):
        laws = _any_laws(cases)
        options = len(laws)
        size = int(cases.choice([1, 1, 2, 7]))
        width = float(cases.choice([1.0, 0.5]))
        reference_rng, rng = np.random.default_rng(seed), np.random.default_rng(seed)
        alpha = np.array([[p.alpha] for p in laws])
        scale = 1.0 / np.array([[p.beta] for p in laws])
        kappa = np.array([[p.kappa] for p in laws])
        mu = np.array([[p.mu] for p in laws])
        precision = reference_rng.gamma(shape=alpha, scale=scale, size=(options, size))
        normals = reference_rng.standard_normal((options, size))
        with np.errstate(divide="ignore"):  # a tiny shape can draw a precision of 0 (inf)
            reference = mu + width * normals / np.sqrt(kappa * precision)
            drawn = LawArrays.of(laws).draw_means(rng, size, width)
        assert np.array_equal(drawn, reference), (seed, laws)
        assert reference_rng.random() == rng.random()


def test_one_draw_per_option_is_the_column_calls_numbers_for_any_laws():
    """A slot draws once per option (`LawArrays.draw_one`, a scalar `gamma` call per option):
    the numbers `draw_means(rng, 1, width)` gives, option by option, whatever the laws, and the
    stream left where it leaves it, so every planned post still replays."""
    from toby_pipelines.strategy.normal_gamma import LawArrays

    cases = np.random.default_rng(2027)
    for seed in range(500):
        laws = _any_laws(cases)
        width = float(cases.choice([1.0, 0.4, 0.25]))
        arrays = LawArrays.of(laws)
        reference_rng, rng = np.random.default_rng(seed), np.random.default_rng(seed)
        with np.errstate(divide="ignore"):  # a tiny shape can draw a precision of 0 (inf)
            reference = arrays.draw_means(reference_rng, 1, width)[:, 0]
            drawn = arrays.draw_one(rng, width)
        assert np.array_equal(drawn, reference), (seed, laws)
        assert reference_rng.random() == rng.random()
