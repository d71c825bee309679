"""The algorithms the benchmark compares, behind one interface.

Every policy sees the same thing a live system would: each morning, the scores that arrived
since yesterday; then it chooses the options of each of the day's posts. The seeds' algorithms
learn from the Toby score too, so the comparison is of learning rules, not of reward signals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from toby_pipelines.strategy.carried_detection import (
    StreamDetection,
    arrived_today,
    carry_detection,
)
from toby_pipelines.strategy.change_detection import DetectorState
from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.experiments import Experiment, advance, count_planned, turns
from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, Evidence, draw_means_of, update
from toby_pipelines.strategy.posteriors import (
    LEARNING_HORIZON_DAYS,
    BrandProfile,
    learn_streams,
    user_streams,
)
from toby_pipelines.strategy.selection import ExperimentTurn, choose_strategy, spread_for

EPOCH = dt.date(2026, 1, 1)
Pools = Mapping[str, Sequence[str]]
CONTENT_TYPE = "reel"


def day_date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=day)


class Policy:
    name = "policy"
    # Whose random numbers it draws (by default its own): a variant of a policy draws the
    # policy's, so the two meet the same luck and differ only by what the variant changes.
    luck_of: str | None = None

    def __init__(self, pools: Mapping[str, Pools], rng: np.random.Generator) -> None:
        self.pools = pools  # brand -> dimension -> options
        self.rng = rng

    def morning(self, day: int, arrived: Sequence[ScoredPost]) -> None:
        """Scores that arrived since the previous morning (48h and final ones)."""

    def choose(self, brand_id: str, day: int) -> dict[str, str]:
        raise NotImplementedError


class UniformRandom(Policy):
    name = "uniform random"

    def choose(self, brand_id: str, day: int) -> dict[str, str]:
        return {
            d: opts[int(self.rng.integers(len(opts)))] for d, opts in self.pools[brand_id].items()
        }


class PlainThompson(Policy):
    """A plain Normal-Gamma Thompson sampler: per brand, dimension and option, the final scores'
    conjugate posterior from the default prior; each post draws every option's mean once (the
    posterior's own spread) and takes the highest per dimension. No decay, no additive fit, no
    change detection, no experiments, no borrowing: the yardstick Toby's extras must beat."""

    name = "plain Thompson"

    def __init__(self, pools, rng) -> None:
        super().__init__(pools, rng)
        self.evidence: dict[tuple[str, str, str], Evidence] = {}

    def morning(self, day: int, arrived: Sequence[ScoredPost]) -> None:
        for post in arrived:
            if post.phase != "7d":
                continue
            for dim, option in post.options.items():
                key = (post.brand_id, dim, option)
                self.evidence[key] = self.evidence.get(key, Evidence()).add(post.score)

    def choose(self, brand_id: str, day: int) -> dict[str, str]:
        chosen = {}
        for dim, options in self.pools[brand_id].items():
            laws = [
                update(DEFAULT_PRIOR, self.evidence.get((brand_id, dim, o), Evidence()))
                for o in options
            ]
            chosen[dim] = options[int(draw_means_of(laws, self.rng, 1)[:, 0].argmax())]
        return chosen


class _PerOptionAverages(Policy):
    """Running count and total of scores per (brand, dimension, option)."""

    final_only = True

    def __init__(self, pools, rng) -> None:
        super().__init__(pools, rng)
        self.totals: dict[tuple[str, str, str], list[float]] = {}

    def morning(self, day: int, arrived: Sequence[ScoredPost]) -> None:
        for post in arrived:
            if self.final_only and post.phase != "7d":
                continue
            for dim, option in post.options.items():
                entry = self.totals.setdefault((post.brand_id, dim, option), [0, 0.0])
                entry[0] += 1
                entry[1] += post.score

    def average(self, brand_id: str, dim: str, option: str) -> float | None:
        entry = self.totals.get((brand_id, dim, option))
        return entry[1] / entry[0] if entry else None


class SeedSeventyThirty(_PerOptionAverages):
    """Seed 000 section 5.5 as written: per dimension, 70% of the time the option with the
    highest average final score, 30% a uniformly random one. Untried options average 0, the
    table's default, so only exploration finds them."""

    name = "seed 70/30 (000)"
    explore = 0.30

    def choose(self, brand_id: str, day: int) -> dict[str, str]:
        chosen = {}
        for dim, options in self.pools[brand_id].items():
            if self.rng.random() < self.explore:
                chosen[dim] = options[int(self.rng.integers(len(options)))]
            else:
                averages = [self.average(brand_id, dim, o) or 0.0 for o in options]
                chosen[dim] = options[int(np.argmax(averages))]
        return chosen


class XbotWeights(_PerOptionAverages):
    """Seed 001's weight calculator, run every 6 hours (four times a morning): per dimension,
    target = (average score normalized to 0-1 by the best option) ** 1.5, blended 30% toward
    it, options with fewer than 5 posts held at 8%, a "viral" option (average 1.25x the
    dimension's mean, the score-scale stand-in for F/1K > 5) boosted 1.5x, a 2% floor, and
    renormalized. Posts are drawn by weighted random choice. It learns as soon as any score
    arrives, as xBOT reads current performance."""

    name = "xBOT weights (001)"
    final_only = False
    blends_per_day = 4
    aggressiveness = 0.3

    def __init__(self, pools, rng) -> None:
        super().__init__(pools, rng)
        self.latest: dict[str, ScoredPost] = {}
        self.weights = {
            (b, d): np.full(len(o), 1 / len(o))
            for b, dims in pools.items()
            for d, o in dims.items()
        }

    def morning(self, day: int, arrived: Sequence[ScoredPost]) -> None:
        # The final score replaces the 48h one in the averages.
        for post in arrived:
            previous = self.latest.get(post.post_id)
            if previous is not None:
                for dim, option in previous.options.items():
                    entry = self.totals[(previous.brand_id, dim, option)]
                    entry[0] -= 1
                    entry[1] -= previous.score
            self.latest[post.post_id] = post
        super().morning(day, arrived)
        for (brand_id, dim), weights in self.weights.items():
            options = self.pools[brand_id][dim]
            counts = [self.totals.get((brand_id, dim, o), [0, 0.0])[0] for o in options]
            if sum(counts) == 0:
                continue
            averages = np.array([self.average(brand_id, dim, o) or 0.0 for o in options])
            target = (averages / max(averages.max(), 1e-9)) ** 1.5
            tried = averages[np.array(counts) > 0]
            for _ in range(self.blends_per_day):
                new = weights * (1 - self.aggressiveness) + target * self.aggressiveness
                new = np.where(averages > 1.25 * tried.mean(), new * 1.5, new)
                new = np.where(np.array(counts) < 5, 0.08, new)
                new = np.maximum(new, 0.02)
                weights = new / new.sum()
            self.weights[(brand_id, dim)] = weights

    def choose(self, brand_id: str, day: int) -> dict[str, str]:
        return {
            dim: options[int(self.rng.choice(len(options), p=self.weights[(brand_id, dim)]))]
            for dim, options in self.pools[brand_id].items()
        }


class GradientBandit(Policy):
    """Seed 002 section 4: softmax over discrete preferences per dimension; on each reward,
    preference += 0.1 x advantage for the chosen option, with the reward normalized to [-1, 1]
    and a running baseline += 0.1 x (reward - baseline). Like its 24h reward window, it learns
    once per post, from the first score that arrives."""

    name = "gradient bandit (002)"
    learning_rate = 0.1
    baseline_rate = 0.1

    def __init__(self, pools, rng) -> None:
        super().__init__(pools, rng)
        self.preferences = {
            (b, d): np.zeros(len(o)) for b, dims in pools.items() for d, o in dims.items()
        }
        self.baseline = dict.fromkeys(pools, 0.0)
        self.seen: set[str] = set()

    def morning(self, day: int, arrived: Sequence[ScoredPost]) -> None:
        for post in arrived:
            if post.post_id in self.seen:
                continue
            self.seen.add(post.post_id)
            reward = (post.score - 50.0) / 50.0
            advantage = reward - self.baseline[post.brand_id]
            for dim, option in post.options.items():
                index = list(self.pools[post.brand_id][dim]).index(option)
                self.preferences[(post.brand_id, dim)][index] += self.learning_rate * advantage
            self.baseline[post.brand_id] += self.baseline_rate * advantage

    def choose(self, brand_id: str, day: int) -> dict[str, str]:
        chosen = {}
        for dim, options in self.pools[brand_id].items():
            h = self.preferences[(brand_id, dim)]
            p = np.exp(h - h.max())
            chosen[dim] = options[int(self.rng.choice(len(options), p=p / p.sum()))]
        return chosen


class Toby(Policy):
    """Toby's policy, through the same functions the Dagster assets call: `learn_streams` each
    morning (Normal-Gamma posteriors with decay, 48h->7d replacement, cross-brand priors,
    change detection carried from the day before, topic rotation), `advance` for experiments,
    `choose_strategy` per slot."""

    name = "Toby"

    def __init__(self, pools, rng, explore_ratio: float = 0.30) -> None:
        super().__init__(pools, rng)
        self.explore_ratio = explore_ratio
        self.scores: list[tuple[dt.date, ScoredPost]] = []  # (day it arrived, score)
        self.table: dict = {}
        self.resting: dict[str, dict[str, set[str]]] = {}
        self.experiments: dict[tuple[str, str], Experiment] = {}
        self.planned: dict[str, list[tuple[dt.date, dict[str, str]]]] = {b: [] for b in pools}
        self.turns: dict[str, list[ExperimentTurn]] = {}
        self.noise_sd: dict[str, float | None] = {}  # brand -> its stream's (`stream_noise`)
        self.detectors: dict[tuple[str, str], DetectorState] = {}  # as of yesterday

    def morning(self, day: int, arrived: Sequence[ScoredPost]) -> None:
        today = day_date(day)
        # The scores of the learning horizon only, as the asset reads them.
        first = today - dt.timedelta(days=LEARNING_HORIZON_DAYS - 1)
        self.scores = [(d, p) for d, p in self.scores if d >= first]
        self.scores.extend((today, post) for post in arrived)
        active = list(self.pools)
        profiles = [BrandProfile(b, {CONTENT_TYPE: self.pools[b]}) for b in active]
        prepared = user_streams(profiles, [p for _, p in self.scores], today)
        # Each stream's change detector goes on from yesterday's with today's final scores, as
        # the asset's does (`carried_detectors`).
        finals_today = {post.post_id for post in arrived if post.phase == "7d"}
        streams = [
            StreamDetection(
                *key,
                self.detectors.get(key),
                finals,
                arrived_today(finals, finals_today) if key in self.detectors else [],
            )
            for key, finals in prepared.finals.items()
        ]
        states = carry_detection(streams, first)
        self.detectors = dict(zip(prepared.finals, states, strict=True))
        learning = learn_streams(
            profiles,
            prepared,
            today,
            summaries=False,
            detected={key: state.changes for key, state in self.detectors.items()},
        )
        self.table = learning.table()
        self.noise_sd = {brand_id: sd for (brand_id, _), sd in learning.noise_sd.items()}
        self.resting = {}
        for topic in learning.resting:
            self.resting.setdefault(topic.brand_id, {}).setdefault("topic_bucket", set()).add(
                topic.topic
            )
        posts = learning.posts
        for brand_id in active:
            for dim, options in self.pools[brand_id].items():
                key = (brand_id, dim)
                self.experiments[key] = advance(
                    self.experiments.get(key),
                    brand_id=brand_id,
                    content_type=CONTENT_TYPE,
                    dimension=dim,
                    options=options,
                    day=today,
                    posts=posts,
                    posteriors=self.table.get((brand_id, CONTENT_TYPE), {}).get(dim, {}),
                    adjusted=learning.experiment_samples(self.experiments.get(key)),
                    noisy=learning.is_noisy(brand_id, CONTENT_TYPE),
                )
            mine = [e for (b, _), e in self.experiments.items() if b == brand_id]
            self.turns[brand_id] = turns(mine, count_planned(mine, self.planned[brand_id]))

    def choose(self, brand_id: str, day: int) -> dict[str, str]:
        brand_turns = self.turns.get(brand_id, [])
        choice = choose_strategy(
            self.pools[brand_id],
            self.table.get((brand_id, CONTENT_TYPE), {}),
            self.rng,
            explore_ratio=self.explore_ratio,
            experiments=brand_turns,
            resting=self.resting.get(brand_id),
            propensities=False,  # the benchmark scores choices, it does not log them
            width=spread_for(self.noise_sd.get(brand_id)),
        )
        self.planned[brand_id].append((day_date(day), choice.options))
        # Count this post toward its experiments at once, as the planner's query would.
        self.turns[brand_id] = [
            replace(
                turn,
                sample_counts={
                    **turn.sample_counts,
                    choice.options[turn.dimension]: turn.sample_counts.get(
                        choice.options[turn.dimension], 0
                    )
                    + 1,
                },
            )
            for turn in brand_turns
        ]
        return choice.options


class TobyWithSettings(Toby):
    """Toby with the constants of `--set` (`tunables`), beside Toby as the code has it."""

    name = "Toby with --set"
    luck_of = Toby.name


POLICIES: tuple[type[Policy], ...] = (
    SeedSeventyThirty,
    XbotWeights,
    GradientBandit,
    UniformRandom,
    PlainThompson,
    Toby,
)
