"""Choosing a post's strategy: Thompson sampling per dimension, experiments, and propensities.

What `explore_ratio` means here: the share of slots that serve the brand's running experiments.
On such a slot one experiment dimension (picked uniformly among the active ones) gives its turn
to its least-tried option while any option has fewer than `min_samples` posts, and may pick a
resting topic; every other choice, and every choice once the experiment has its samples, is
Thompson sampling, whose own randomness does the exploring. So the extra exploration an
experiment costs is bounded (`min_samples` posts per option), where the seed's uniformly random
30% costs regret on every post forever. An option an experiment follows up (its posts came back
far above its posterior, `experiments`) takes every post of its dimension until its follow-up
posts are planned; with several, one of them at random.

Each choice records its propensity: the probability this policy had of choosing exactly these
options, given everything it knew. Thompson sampling's probability of choosing an option is the
probability that the option's draw is the highest, integrated numerically to within 1e-4
(`thompson.choice_probabilities`), never counted from draws. The record supports offline policy
evaluation; a caller that does not keep it (the learning benchmark) can skip computing it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np

from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, LawArrays, NormalGamma
from toby_pipelines.strategy.stream_noise import is_noisy
from toby_pipelines.strategy.thompson import choice_probabilities

# Thompson sampling draws from each posterior with its spread scaled by this factor ("posterior
# reshaping"). Plain Thompson sampling (1.0) keeps spending posts on options it already has good
# reason to drop; over a season of a few hundred posts, halving the spread cut cumulative regret
# by about a third in the learning benchmark (README). The risk of a sharper posterior, settling
# early on a lucky option, is what experiments bound: every option gets `min_samples` posts
# whatever its draws say. 0.5 until the follow-ups judged adjusted scores; then 0.4 did better
# on the training half (README; 0.35 cost the rises). Every decision record holds the width its
# choice was made with (`planning_record`).
POSTERIOR_WIDTH = 0.4
# A noisy stream's spread (`stream_noise`): sharper, since its posteriors stay wide for months
# and the seed's greedy choice loses little there. 0.25 on the training half's noisiest world
# (README; 0.3 and 0.2 were tried beside it).
NOISY_WIDTH = 0.25


def spread_for(noise_sd: float | None) -> float:
    """Thompson sampling's spread factor for a stream whose residual noise is `noise_sd`."""
    return NOISY_WIDTH if is_noisy(noise_sd) else POSTERIOR_WIDTH


@dataclass(frozen=True)
class ExperimentTurn:
    """An active experiment's need, as the planner sees it."""

    dimension: str
    sample_counts: Mapping[str, int]
    min_samples: int
    # Posts asked beyond min_samples, per option an experiment follows up.
    follow_ups: Mapping[str, int] = field(default_factory=dict)

    def wanted(self, option: str) -> int:
        return self.min_samples + self.follow_ups.get(option, 0)

    def pending_follow_ups(self, pool: Sequence[str]) -> list[int]:
        """Indexes in `pool` of the options whose follow-up posts are not all planned yet."""
        return [
            i
            for i, option in enumerate(pool)
            if self.follow_ups.get(option)
            and self.sample_counts.get(option, 0) < self.wanted(option)
        ]


@dataclass(frozen=True)
class StrategyChoice:
    options: dict[str, str]
    is_experiment: bool
    experiment_dimension: str | None
    option_propensities: dict[str, float]  # dimension -> marginal probability of its option
    propensity: float  # probability of the whole combination


def check_explore_ratio(explore_ratio: float) -> float:
    if not 0.0 <= explore_ratio <= 1.0:
        raise ValueError(f"explore_ratio must be between 0 and 1, got {explore_ratio}")
    return explore_ratio


@dataclass(frozen=True, eq=False)
class DimensionLaws:
    """One dimension's options and the posteriors Thompson sampling draws them from."""

    pool: tuple[str, ...]
    laws: tuple[NormalGamma, ...]
    arrays: LawArrays
    # Thompson sampling's probabilities of picking each option of a subset of rows, per subset:
    # every slot that chooses from these laws asks for the same one or two.
    _probabilities: dict[tuple[float, ...], np.ndarray] = field(default_factory=dict, repr=False)

    def probabilities(self, rows: list[int], width: float) -> np.ndarray:
        key = (width, *rows)
        found = self._probabilities.get(key)
        if found is None:
            found = self._probabilities[key] = np.array(
                choice_probabilities(tuple(self.laws[i] for i in rows), width)
            )
        return found


def prepare_laws(
    pools: Mapping[str, Sequence[str]], posteriors: Mapping[str, Mapping[str, NormalGamma]]
) -> dict[str, DimensionLaws]:
    """Each dimension's laws (an option without a posterior has the default prior), built once
    for every slot that chooses from the same pools and posteriors."""
    prepared = {}
    for dimension, pool in pools.items():
        known = posteriors.get(dimension, {})
        laws = tuple(known.get(o, DEFAULT_PRIOR) for o in pool)
        prepared[dimension] = DimensionLaws(tuple(pool), laws, LawArrays.of(laws))
    return prepared


def _exact(laws: DimensionLaws, rows: list[int], record: bool, width: float) -> np.ndarray:
    """Thompson sampling's probability of picking each of `rows` (0 when not recorded)."""
    if not record:
        return np.zeros(len(rows))
    return laws.probabilities(rows, width)


def _experiment_turn(options: Sequence[str], turn: ExperimentTurn) -> list[float] | None:
    """Uniform over the least-tried of the options short of the posts the experiment asks
    (`min_samples`, and a follow-up's more), else None."""
    counts = [turn.sample_counts.get(option, 0) for option in options]
    short = [i for i, option in enumerate(options) if counts[i] < turn.wanted(option)]
    if not short:
        return None
    fewest = min(counts[i] for i in short)
    least = [i for i in short if counts[i] == fewest]
    return [1.0 / len(least) if i in least else 0.0 for i in range(len(options))]


def _pick(rng: np.random.Generator, probabilities: Sequence[float]) -> int:
    """`rng.choice(len(probabilities), p=probabilities)` as numpy's `Generator.choice` draws
    it (one uniform, searched in the normalized cumulative sums): the same index from the same
    stream, without the call's checks of `p`, which cost more than the draw on every slot an
    experiment forces (`tests/domain/test_selection_draws.py`)."""
    cumulative = list(accumulate(probabilities))  # added in order, as `cumsum` adds
    total = cumulative[-1]
    return bisect_right([value / total for value in cumulative], rng.random())


def choose_strategy(
    pools: Mapping[str, Sequence[str]],
    posteriors: Mapping[str, Mapping[str, NormalGamma]],
    rng: np.random.Generator,
    *,
    explore_ratio: float,
    experiments: Sequence[ExperimentTurn] = (),
    resting: Mapping[str, Collection[str]] | None = None,
    propensities: bool = True,
    prepared: Mapping[str, DimensionLaws] | None = None,
    width: float | None = None,
) -> StrategyChoice:
    """Pick one option per dimension; see the module docstring for the policy. With
    `propensities` False the choice is the same and its propensities are left at 0.
    `prepared` is `prepare_laws(pools, posteriors)` when the caller made it already. `width`
    is Thompson sampling's spread factor, POSTERIOR_WIDTH unless given (a replay gives the one
    its decision record holds)."""
    check_explore_ratio(explore_ratio)
    width = POSTERIOR_WIDTH if width is None else width
    resting = resting or {}
    for dimension, options in pools.items():
        if not options:
            raise ValueError(f"dimension {dimension!r} has no options to choose from")
    running = [turn for turn in experiments if turn.dimension in pools]
    is_experiment = bool(running) and bool(rng.random() < explore_ratio)
    turn = running[int(rng.integers(len(running)))] if is_experiment else None
    share = explore_ratio / len(running) if running else 0.0  # P(a given experiment's turn)

    chosen: dict[str, str] = {}
    regular_p: dict[str, float] = {}
    experiment_p: dict[str, float] = {}
    if prepared is None:
        prepared = prepare_laws(pools, posteriors)
    for dimension in pools:
        laws = prepared[dimension]
        pool = laws.pool
        draw = laws.arrays.draw_one(rng, width)
        rested = set(resting.get(dimension, ()))
        own = next((t for t in running if t.dimension == dimension), None)
        following = own.pending_follow_ups(pool) if own is not None else []
        if following:
            # A follow-up takes the dimension's post on every slot (see the module docstring).
            option = pool[following[int(rng.integers(len(following)))]]
            regular_probs = {pool[i]: 1.0 / len(following) for i in following}
        else:
            regular = [i for i, o in enumerate(pool) if o not in rested] or list(range(len(pool)))
            # The first highest draw among them (all of them unless a topic rests).
            best = draw.argmax() if len(regular) == len(pool) else regular[draw[regular].argmax()]
            option = pool[int(best)]
            regular_probs = dict(
                zip(
                    (pool[i] for i in regular),
                    _exact(laws, regular, propensities, width),
                    strict=True,
                )
            )
        experiment_probs = regular_probs
        if own is not None:
            forced = _experiment_turn(pool, own)
            if forced is not None:
                experiment_probs = dict(zip(pool, forced, strict=True))
                experiment_pick = _pick(rng, forced)
            else:
                everyone = list(range(len(pool)))
                experiment_pick = int(draw.argmax())
                experiment_probs = dict(
                    zip(pool, _exact(laws, everyone, propensities, width), strict=True)
                )
            if turn is not None and turn.dimension == dimension:
                option = pool[experiment_pick]
        chosen[dimension] = option
        regular_p[dimension] = float(regular_probs.get(option, 0.0))
        experiment_p[dimension] = float(experiment_probs.get(option, 0.0))

    # Exact probability of the combination: no experiment turn, or one turn per experiment.
    all_regular = math.prod(regular_p.values())
    propensity = (1.0 - share * len(running)) * all_regular
    for other in running:
        rest = math.prod(p for d, p in regular_p.items() if d != other.dimension)
        propensity += share * experiment_p[other.dimension] * rest
    marginals = {
        dimension: (1.0 - share) * regular_p[dimension] + share * experiment_p[dimension]
        if any(t.dimension == dimension for t in running)
        else regular_p[dimension]
        for dimension in pools
    }
    if not propensities:
        propensity, marginals = 0.0, dict.fromkeys(pools, 0.0)
    return StrategyChoice(
        chosen, is_experiment, turn.dimension if turn else None, marginals, propensity
    )
