"""Normal-Gamma posteriors over an option's mean score, from weighted sufficient statistics.

Each observation x has a weight w (1 for a final 7-day score, less for a provisional one).
With W = sum w, the weighted mean and S = sum w (x - mean)^2, the conjugate update is
kappa = kappa0 + W, mu = (kappa0 mu0 + W mean) / kappa, alpha = alpha0 + W/2,
beta = beta0 + S/2 + kappa0 W (mean - mu0)^2 / (2 kappa). With unit weights this is the textbook
update for unknown mean and variance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NormalGamma:
    mu: float
    kappa: float
    alpha: float
    beta: float

    def __post_init__(self) -> None:
        if self.kappa <= 0 or self.alpha <= 0 or self.beta <= 0:
            raise ValueError(f"kappa, alpha and beta must be positive: {self}")

    def draw_means(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Samples of the option's mean score: tau ~ Gamma(alpha, rate beta), mu ~ N(mu, 1/(kappa tau))."""
        precision = rng.gamma(shape=self.alpha, scale=1.0 / self.beta, size=size)
        return rng.normal(self.mu, 1.0 / np.sqrt(self.kappa * precision))

    @property
    def mean_sd(self) -> float:
        """Standard deviation of the mean's marginal (Student-t) posterior, when it exists."""
        if self.alpha <= 1:
            return math.inf
        return math.sqrt(self.beta / (self.kappa * (self.alpha - 1)))


@dataclass(frozen=True, eq=False)
class LawArrays:
    """Several options' posteriors as columns, built once and drawn from many times (every slot
    of a brand and content type in a fill draws from the same posteriors)."""

    alpha: tuple[float, ...]
    scale: tuple[float, ...]  # 1 / beta
    kappa: np.ndarray  # (options, 1)
    mu: np.ndarray

    @classmethod
    def of(cls, posteriors: Sequence[NormalGamma]) -> LawArrays:
        return cls(
            alpha=tuple(float(p.alpha) for p in posteriors),
            scale=tuple(1.0 / float(p.beta) for p in posteriors),
            kappa=np.array([[p.kappa] for p in posteriors]),
            mu=np.array([[p.mu] for p in posteriors]),
        )

    def draw_one(self, rng: np.random.Generator, width: float = 1.0) -> np.ndarray:
        """`draw_means(rng, 1, width)[:, 0]`, the same numbers drawn in the same order, for a
        slot's one draw per option: each precision a float from a scalar `gamma` call (no
        array to build and check per option), the normals one call."""
        gamma = rng.gamma
        pairs = zip(self.alpha, self.scale, strict=True)
        precision = np.array([gamma(alpha, scale) for alpha, scale in pairs])
        normals = rng.standard_normal(len(self.alpha))
        return self.mu[:, 0] + width * normals / np.sqrt(self.kappa[:, 0] * precision)

    def draw_means(self, rng: np.random.Generator, size: int, width: float = 1.0) -> np.ndarray:
        """One row per option, `size` columns (see `draw_means_of`).

        The precisions are drawn option by option with scalar parameters: the same numbers, in
        the same order, as one `gamma` call with the parameters as columns (which checks its
        arrays on every call, half the cost of a draw when a fill draws for 160,000 slots)."""
        options = len(self.mu)
        precision = np.empty((options, size))
        for row, (alpha, scale) in enumerate(zip(self.alpha, self.scale, strict=True)):
            precision[row] = rng.gamma(alpha, scale, size)
        return self.mu + width * rng.standard_normal((options, size)) / np.sqrt(
            self.kappa * precision
        )


def draw_means_of(
    posteriors: Sequence[NormalGamma], rng: np.random.Generator, size: int, width: float = 1.0
) -> np.ndarray:
    """Draws of several options' means at once: one row per option, `size` columns. With
    `width` < 1 every draw lies that much closer to its posterior mean (a sharpened posterior)."""
    return LawArrays.of(posteriors).draw_means(rng, size, width)


@dataclass(frozen=True)
class Evidence:
    """Weighted sufficient statistics of the scores seen for one option."""

    weight: float = 0.0
    weighted_sum: float = 0.0
    weighted_sum_sq: float = 0.0
    count: int = 0

    def add(self, score: float, weight: float = 1.0) -> Evidence:
        if weight < 0:
            raise ValueError(f"evidence weight must be non-negative, got {weight}")
        return Evidence(
            self.weight + weight,
            self.weighted_sum + weight * score,
            self.weighted_sum_sq + weight * score * score,
            self.count + 1,
        )

    def scaled_by(self, factor: float) -> Evidence:
        """The same observations, each worth `factor` times as much (decay, discounting)."""
        if factor < 0:
            raise ValueError(f"evidence factor must be non-negative, got {factor}")
        return Evidence(
            self.weight * factor,
            self.weighted_sum * factor,
            self.weighted_sum_sq * factor,
            self.count,
        )

    def plus(self, other: Evidence) -> Evidence:
        return Evidence(
            self.weight + other.weight,
            self.weighted_sum + other.weighted_sum,
            self.weighted_sum_sq + other.weighted_sum_sq,
            self.count + other.count,
        )

    @property
    def mean(self) -> float | None:
        return self.weighted_sum / self.weight if self.weight > 0 else None


def update(prior: NormalGamma, evidence: Evidence) -> NormalGamma:
    if evidence.weight <= 0:
        return prior
    w = evidence.weight
    mean = evidence.weighted_sum / w
    spread = max(0.0, evidence.weighted_sum_sq - w * mean * mean)
    kappa = prior.kappa + w
    return NormalGamma(
        mu=(prior.kappa * prior.mu + w * mean) / kappa,
        kappa=kappa,
        alpha=prior.alpha + w / 2,
        beta=prior.beta + spread / 2 + prior.kappa * w * (mean - prior.mu) ** 2 / (2 * kappa),
    )


# Uninformed start for a 0-100 score: centred on the neutral 50, worth one pseudo-post, with a
# prior standard deviation of scores around 20.
DEFAULT_PRIOR = NormalGamma(mu=50.0, kappa=1.0, alpha=2.0, beta=2.0 * 20.0**2)
