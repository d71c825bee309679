"""Posteriors per brand, content type, dimension and option, with cross-brand cold start."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from toby_pipelines.strategy.dimensions import DIMENSIONS, option_pools
from toby_pipelines.strategy.evidence import ScoredPost, evidence_by_arm, scaled
from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, Evidence, NormalGamma, update
from toby_pipelines.strategy.posterior_summary import OptionSummary, summarize

# A brand with no history of a content type borrows its user's other brands' evidence, worth at
# most this many posts, so its own first results quickly outweigh it (seed 000 section 9.3).
COLD_START_PSEUDO_COUNT = 2.0


@dataclass(frozen=True)
class BrandProfile:
    brand_id: str
    topic_buckets: Sequence[str]


@dataclass(frozen=True)
class OptionPosterior:
    brand_id: str
    content_type: str
    dimension: str
    option: str
    posterior: NormalGamma
    prior_source: str
    sample_count: int
    evidence_weight: float
    scores: tuple[float, ...]
    interval_low: float
    interval_high: float
    prob_best: float


def user_posteriors(
    brands: Sequence[BrandProfile],
    content_types: Iterable[str],
    scores: Iterable[ScoredPost],
    rng: np.random.Generator,
    *,
    summarize: bool = True,
) -> list[OptionPosterior]:
    """Every option's posterior for one user's brands. Only this user's scores may be passed.

    `summarize=False` skips the Monte Carlo intervals and probabilities (they are left as NaN)
    when only posterior means are needed.
    """
    arms = evidence_by_arm(scores)
    brand_ids = {brand.brand_id for brand in brands}
    if any(key[0] not in brand_ids for key in arms):
        raise ValueError("scores of a brand outside this user's brands were passed")
    results: list[OptionPosterior] = []
    for content_type in content_types:
        for brand in brands:
            has_history = any(k[0] == brand.brand_id and k[1] == content_type for k in arms)
            pools = option_pools(content_type, brand.topic_buckets)
            for dimension in DIMENSIONS:
                results.extend(
                    _dimension_posteriors(
                        brand,
                        content_type,
                        dimension,
                        pools[dimension],
                        arms,
                        has_history,
                        rng if summarize else None,
                    )
                )
    return results


def _borrowed_prior(
    brand_id: str, content_type: str, dimension: str, option: str, arms: Mapping
) -> NormalGamma | None:
    pooled = Evidence()
    for (other, ctype, dim, opt), (evidence, _) in arms.items():
        if other != brand_id and ctype == content_type and dim == dimension and opt == option:
            pooled = Evidence(
                pooled.weight + evidence.weight,
                pooled.weighted_sum + evidence.weighted_sum,
                pooled.weighted_sum_sq + evidence.weighted_sum_sq,
                pooled.count + evidence.count,
            )
    if pooled.weight == 0:
        return None
    return update(DEFAULT_PRIOR, scaled(pooled, COLD_START_PSEUDO_COUNT))


def _dimension_posteriors(
    brand: BrandProfile,
    content_type: str,
    dimension: str,
    options: Sequence[str],
    arms: Mapping,
    has_history: bool,
    rng: np.random.Generator | None,
) -> list[OptionPosterior]:
    posteriors: dict[str, tuple[NormalGamma, str, Evidence, list[float]]] = {}
    for option in options:
        evidence, raw = arms.get(
            (brand.brand_id, content_type, dimension, option), (Evidence(), [])
        )
        prior, source = DEFAULT_PRIOR, "default"
        if not has_history:
            borrowed = _borrowed_prior(brand.brand_id, content_type, dimension, option, arms)
            if borrowed is not None:
                prior, source = borrowed, "cross_brand"
        posteriors[option] = (update(prior, evidence), source, evidence, raw)
    nan = OptionSummary(math.nan, math.nan, math.nan)
    summaries = (
        summarize({name: value[0] for name, value in posteriors.items()}, rng)
        if rng is not None
        else dict.fromkeys(posteriors, nan)
    )
    return [
        OptionPosterior(
            brand_id=brand.brand_id,
            content_type=content_type,
            dimension=dimension,
            option=option,
            posterior=posterior,
            prior_source=source,
            sample_count=evidence.count,
            evidence_weight=evidence.weight,
            scores=tuple(raw),
            interval_low=summaries[option].interval_low,
            interval_high=summaries[option].interval_high,
            prob_best=summaries[option].prob_best,
        )
        for option, (posterior, source, evidence, raw) in posteriors.items()
    ]


def leaders(posteriors: Iterable[OptionPosterior]) -> dict[tuple[str, str, str], str]:
    """The option with the highest posterior mean per (brand, content type, dimension)."""
    best: dict[tuple[str, str, str], OptionPosterior] = {}
    for item in posteriors:
        key = (item.brand_id, item.content_type, item.dimension)
        if key not in best or item.posterior.mu > best[key].posterior.mu:
            best[key] = item
    return {key: item.option for key, item in best.items()}
