"""Posteriors per brand, content type, dimension and option, with cross-brand cold start.

Each score's weight is the product of three factors: its phase (a provisional 48h score counts
half, the 7d score replaces it), its age (exponential decay, see `decay`) and whether it predates
a detected audience drop (see `change_detection`); an option whose audience rose has its own
older evidence discounted the same way. Audience changes and topic rotation are
judged on final (7d) scores only. A post its owner deleted counts as a penalized score (see
`deletions`), and each option's posterior says how many of its posts were deleted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from toby_pipelines.strategy.change_detection import PRE_CHANGE_WEIGHT, ChangePoint, detect_changes
from toby_pipelines.strategy.decay import decay_factor
from toby_pipelines.strategy.deletions import DELETED, DeletedPost, with_deletions
from toby_pipelines.strategy.evidence import (
    ArmKey,
    RawScores,
    ScoredPost,
    latest_scores,
    phase_weight,
    scaled,
)
from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, Evidence, NormalGamma, update
from toby_pipelines.strategy.pooling import pooling_strengths
from toby_pipelines.strategy.posterior_summary import summarize_many
from toby_pipelines.strategy.stream_arrays import StreamArrays, stream_arrays
from toby_pipelines.strategy.stream_evidence import arms_of_streams
from toby_pipelines.strategy.stream_noise import is_noisy, residual_noise_sd
from toby_pipelines.strategy.topic_rotation import RestingTopic, resting_topics

if TYPE_CHECKING:
    from toby_pipelines.strategy.experiments import Experiment

# Every brand's prior for an option is its user's other brands' evidence on it: a new brand
# starts from what worked elsewhere (seed 000 section 9.3). How many posts that evidence is
# worth is estimated from how alike the brands' tastes are (`pooling`); this many until the
# brands have tried enough of the same options to tell. Never pooled across users.
COLD_START_PSEUDO_COUNT = 2.0
# Empirical-Bayes prior: once a brand has this many scored posts of a content type, every
# option's prior is centred on the brand's mean score with the brand's score variance as the
# expected noise, held with the confidence of PRIOR_ALPHA. Until then, DEFAULT_PRIOR.
BRAND_PRIOR_MIN_POSTS = 8
PRIOR_ALPHA = 5.0
PRIOR_KAPPA = 1.0

# Posteriors learn from the scores of the last 90 days: old enough evidence stops steering.
LEARNING_HORIZON_DAYS = 90

Pools = Mapping[str, Sequence[str]]  # dimension -> options


@dataclass(frozen=True)
class BrandProfile:
    brand_id: str
    pools: Mapping[str, Pools]  # content type -> dimension -> options


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
    raw: RawScores  # its scores as they were: mean, variance, best, worst, the latest
    interval_low: float
    interval_high: float
    prob_best: float
    deleted_posts: int = 0  # of its posts, how many their owner deleted
    # Its stream's residual noise SD (`stream_noise`; None: too few posts to tell).
    stream_noise_sd: float | None = None


@dataclass(frozen=True)
class UserLearning:
    """Everything one user's history says as of a day."""

    posteriors: list[OptionPosterior]
    changes: list[ChangePoint]
    resting: list[RestingTopic]
    posts: list[ScoredPost]  # one (latest) score per post, in publishing order
    # Each stream's arrays and adjusted scores ([post, dimension]: the score less the post's
    # other options' effects, `other_dimensions`), where its posts name the same dimensions.
    fits: Mapping[tuple[str, str], tuple[StreamArrays, np.ndarray]] = field(default_factory=dict)
    # Each stream's residual noise SD (`stream_noise`), where its fit is kept and long enough.
    noise_sd: Mapping[tuple[str, str], float | None] = field(default_factory=dict)

    def is_noisy(self, brand_id: str, content_type: str) -> bool:
        return is_noisy(self.noise_sd.get((brand_id, content_type)))

    def experiment_samples(self, experiment: Experiment | None) -> dict[str, list[float]] | None:
        """{option: its posts' adjusted scores} of an active experiment's brand, content type and
        dimension since it started: the scores less the posts' other options' effects
        (`other_dimensions`), the scale its options' posteriors are on. None for no or a
        completed experiment, or where the stream's fit is not kept (posts that do not all name
        the same dimensions)."""
        if experiment is None or experiment.status != "active":
            return None
        fit = self.fits.get((experiment.brand_id, experiment.content_type))
        if fit is None:
            return None
        arrays, values = fit
        if experiment.dimension not in arrays.dimensions:
            return None
        d = arrays.dimensions.index(experiment.dimension)
        # Posts are in publishing order: the experiment's are the stream's tail (as `posts_since`).
        first = int(np.searchsorted(arrays.days, experiment.started_on.toordinal(), side="left"))
        codes, column = arrays.codes[first:, d], values[first:, d]
        names = arrays.options[d]
        samples: dict[str, list[float]] = {}
        for code, value in zip(codes.tolist(), column.tolist(), strict=True):
            samples.setdefault(names[code], []).append(value)
        return samples

    def table(self) -> dict[tuple[str, str], dict[str, dict[str, NormalGamma]]]:
        """{(brand, content type): {dimension: {option: posterior}}}"""
        table: dict[tuple[str, str], dict[str, dict[str, NormalGamma]]] = {}
        for item in self.posteriors:
            table.setdefault((item.brand_id, item.content_type), {}).setdefault(item.dimension, {})[
                item.option
            ] = item.posterior
        return table


@dataclass(frozen=True)
class UserStreams:
    """One user's posts as learning reads them: one score per post (a deleted post's penalized,
    see `deletions`), in publishing order, and by brand and content type."""

    posts: list[ScoredPost]
    streams: dict[tuple[str, str], list[ScoredPost]]

    @cached_property
    def finals(self) -> dict[tuple[str, str], list[ScoredPost]]:
        """Each stream's final (7d) scores, streams in sorted order: what audience changes are
        judged on (a provisional 48h score reads low or high by however the brand's posts grow
        after two days, which is not a change of audience)."""
        return {
            key: [post for post in stream if post.phase == "7d"]
            for key, stream in sorted(self.streams.items())
        }


def user_streams(
    brands: Sequence[BrandProfile],
    scores: Iterable[ScoredPost],
    as_of: dt.date,
    deleted: Sequence[DeletedPost] = (),
) -> UserStreams:
    """Only this user's scores may be passed."""
    brand_ids = {brand.brand_id for brand in brands}
    posts = latest_scores(scores)
    if any(post.brand_id not in brand_ids for post in [*posts, *deleted]):
        raise ValueError("scores of a brand outside this user's brands were passed")
    if deleted:
        posts = with_deletions(posts, deleted, _means(posts), as_of)
    streams: dict[tuple[str, str], list[ScoredPost]] = {}
    for post in posts:
        streams.setdefault((post.brand_id, post.content_type), []).append(post)
    return UserStreams(posts, streams)


def learn_user(
    brands: Sequence[BrandProfile],
    scores: Iterable[ScoredPost],
    as_of: dt.date,
    summaries: bool = True,
    deleted: Sequence[DeletedPost] = (),
    borrow: bool = True,
) -> UserLearning:
    """Every option's posterior for one user's brands. Only this user's scores may be passed.

    With `summaries` false the intervals and probabilities of being best are skipped (left as
    NaN), for callers that only need the posteriors themselves.
    """
    return learn_streams(
        brands, user_streams(brands, scores, as_of, deleted), as_of, summaries, borrow
    )


def learn_streams(
    brands: Sequence[BrandProfile],
    prepared: UserStreams,
    as_of: dt.date,
    summaries: bool = True,
    borrow: bool = True,
    detected: Mapping[tuple[str, str], Sequence[ChangePoint]] | None = None,
) -> UserLearning:
    """`learn_user` from the user's streams. `detected` holds the changes of every stream of
    `prepared.finals` when they were found already (`detect_changes_many` replays many users'
    brands at once); without it each stream is replayed here."""
    posts, streams = prepared.posts, prepared.streams
    changes: list[ChangePoint] = []
    resting: list[RestingTopic] = []
    changed_on: dict[tuple[str, str], dt.date] = {}
    rose_on: dict[ArmKey, tuple[dt.date, float]] = {}
    for key, final in prepared.finals.items():
        found = detected[key] if detected is not None else detect_changes(final)
        changes.extend(found)
        for change in found:  # oldest first: the latest of each kind wins
            if change.is_rise:
                arm = (*key, change.dimension, change.option)
                rose_on[arm] = (change.changed_on, PRE_CHANGE_WEIGHT)
            else:
                changed_on[key] = change.changed_on
        resting.extend(resting_topics(final, as_of))

    def weight_of(post: ScoredPost) -> float:
        weight = phase_weight(post) * decay_factor(max(0, (as_of - post.published_on).days))
        change = changed_on.get((post.brand_id, post.content_type))
        if change is not None and post.published_on < change:
            weight *= PRE_CHANGE_WEIGHT
        return weight

    priors = {
        key: brand_prior([post for post in stream if post.phase != DELETED])
        for key, stream in streams.items()
    }
    # Each stream's arrays and weights (`weight_of` of each post, computed as arrays).
    weighted = {}
    for key, stream in streams.items():
        arrays = stream_arrays(stream)
        weighted[key] = (arrays, arrays.weights(as_of, changed_on.get(key), PRE_CHANGE_WEIGHT))
    fits: dict[tuple[str, str], tuple[StreamArrays, np.ndarray]] = {}
    arms = arms_of_streams(posts, streams, weight_of, rose_on, weighted, fits)
    noise_sd = {key: residual_noise_sd(arrays, values) for key, (arrays, values) in fits.items()}
    pooled = _pooled_by_option(arms)
    # Without borrowing (the user's cross_brand_learning flag off) no brand's prior leans on
    # another's evidence.
    strengths = pooling_strengths(arms, COLD_START_PSEUDO_COUNT) if borrow else {}
    deleted_counts: dict[ArmKey, int] = {}
    for post in posts:
        if post.phase == DELETED:
            for dimension, option in post.options.items():
                key = (post.brand_id, post.content_type, dimension, option)
                deleted_counts[key] = deleted_counts.get(key, 0) + 1
    results: list[OptionPosterior] = []
    for brand in brands:
        for content_type, pools in brand.pools.items():
            for dimension in pools:
                results.extend(
                    _dimension_posteriors(
                        brand.brand_id,
                        content_type,
                        dimension,
                        pools[dimension],
                        arms,
                        pooled,
                        strengths.get(
                            (content_type, dimension), COLD_START_PSEUDO_COUNT if borrow else 0.0
                        ),
                        priors.get((brand.brand_id, content_type), DEFAULT_PRIOR),
                        deleted_counts,
                        noise_sd.get((brand.brand_id, content_type)),
                    )
                )
    if summaries:
        results = _summarized(results)
    return UserLearning(results, changes, resting, posts, fits, noise_sd)


def _summarized(posteriors: list[OptionPosterior]) -> list[OptionPosterior]:
    """The posteriors with every dimension's intervals and probabilities of being best."""
    dimensions: dict[tuple[str, str, str], dict[str, NormalGamma]] = {}
    for item in posteriors:
        key = (item.brand_id, item.content_type, item.dimension)
        dimensions.setdefault(key, {})[item.option] = item.posterior
    summaries = dict(zip(dimensions, summarize_many(list(dimensions.values())), strict=True))
    return [
        replace(
            item,
            interval_low=(
                s := summaries[(item.brand_id, item.content_type, item.dimension)][item.option]
            ).interval_low,
            interval_high=s.interval_high,
            prob_best=s.prob_best,
        )
        for item in posteriors
    ]


def _means(posts: Sequence[ScoredPost]) -> dict[tuple[str, str], float]:
    """Each brand and content type's mean score."""
    totals: dict[tuple[str, str], list[float]] = {}
    for post in posts:
        totals.setdefault((post.brand_id, post.content_type), []).append(post.score)
    return {key: float(np.mean(values)) for key, values in totals.items()}


def _pooled_by_option(
    arms: Mapping[ArmKey, tuple[Evidence, RawScores]],
) -> dict[tuple[str, str, str], Evidence]:
    pooled: dict[tuple[str, str, str], Evidence] = {}
    for (_, content_type, dimension, option), (evidence, _) in arms.items():
        key = (content_type, dimension, option)
        pooled[key] = pooled.get(key, Evidence()).plus(evidence)
    return pooled


def brand_prior(stream: Sequence[ScoredPost]) -> NormalGamma:
    """The prior every option of a brand's content type starts from (see PRIOR_ALPHA)."""
    if len(stream) < BRAND_PRIOR_MIN_POSTS:
        return DEFAULT_PRIOR
    scores = np.array([post.score for post in stream])
    variance = max(float(scores.var()), 1.0)
    return NormalGamma(
        mu=float(scores.mean()),
        kappa=PRIOR_KAPPA,
        alpha=PRIOR_ALPHA,
        beta=(PRIOR_ALPHA - 1.0) * variance,
    )


def _borrowed_prior(
    base: NormalGamma, own: Evidence, pooled: Evidence | None, strength: float
) -> NormalGamma | None:
    """The user's other brands' evidence on this option, worth `strength` posts (`pooling`)."""
    if pooled is None:
        return None
    others = Evidence(
        pooled.weight - own.weight,
        pooled.weighted_sum - own.weighted_sum,
        pooled.weighted_sum_sq - own.weighted_sum_sq,
        pooled.count - own.count,
    )
    if others.weight <= 1e-9 or strength <= 1e-9:
        return None
    return update(base, scaled(others, strength))


def _dimension_posteriors(
    brand_id: str,
    content_type: str,
    dimension: str,
    options: Sequence[str],
    arms: Mapping[ArmKey, tuple[Evidence, RawScores]],
    pooled: Mapping[tuple[str, str, str], Evidence],
    strength: float,
    base_prior: NormalGamma,
    deleted_counts: Mapping[ArmKey, int],
    noise_sd: float | None,
) -> list[OptionPosterior]:
    posteriors: dict[str, tuple[NormalGamma, str, Evidence, RawScores]] = {}
    for option in options:
        evidence, raw = arms.get(
            (brand_id, content_type, dimension, option), (Evidence(), RawScores())
        )
        borrowed = _borrowed_prior(
            base_prior, evidence, pooled.get((content_type, dimension, option)), strength
        )
        source = "brand" if base_prior is not DEFAULT_PRIOR else "default"
        prior, source = (borrowed, "cross_brand") if borrowed else (base_prior, source)
        posteriors[option] = (update(prior, evidence), source, evidence, raw)
    return [
        OptionPosterior(
            brand_id=brand_id,
            content_type=content_type,
            dimension=dimension,
            option=option,
            posterior=posterior,
            prior_source=source,
            sample_count=evidence.count,
            evidence_weight=evidence.weight,
            raw=raw,
            interval_low=math.nan,
            interval_high=math.nan,
            prob_best=math.nan,
            deleted_posts=deleted_counts.get((brand_id, content_type, dimension, option), 0),
            stream_noise_sd=noise_sd,
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
