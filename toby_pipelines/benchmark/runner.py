"""Run every policy on every world for many seeds and summarize cumulative regret."""

from __future__ import annotations

import math
import os
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from toby_pipelines.benchmark.policies import POLICIES, Policy, TobyWithSettings, day_date
from toby_pipelines.benchmark.tunables import overridden
from toby_pipelines.benchmark.worlds import World, WorldSpec, build_world
from toby_pipelines.strategy.evidence import ScoredPost

# The early-days target is judged on each measured brand's first this many days.
EARLY_DAYS = 30


def run_policy(world: World, policy_type: type[Policy], seed: int) -> tuple[float, float]:
    """Cumulative regret of one policy over one world, in score points: over the whole run and
    over each measured brand's first EARLY_DAYS days."""
    pools = {brand.brand_id: world.pools for brand in world.brands}
    luck = policy_type.luck_of or policy_type.name
    policy = policy_type(pools, np.random.default_rng([seed, 3, zlib.crc32(luck.encode())]))
    pending: dict[int, list[ScoredPost]] = {}
    regret = early_regret = 0.0
    slot = 0
    for day in range(world.days):
        policy.morning(day, pending.pop(day, []))
        for brand in world.brands:
            if day < brand.joins_on:
                slot += world.slots_per_day
                continue
            for index in range(world.slots_per_day):
                options = policy.choose(brand.brand_id, day)
                provisional, final = world.scores(brand.brand_id, options, day, slot)
                if brand.measured:
                    loss = world.best_mean(brand.brand_id, day) - world.mean(
                        brand.brand_id, options, day
                    )
                    regret += loss
                    if day < brand.joins_on + EARLY_DAYS:
                        early_regret += loss
                post_id = f"{brand.brand_id}-{day}-{index}"

                post = ScoredPost(
                    post_id, brand.brand_id, "reel", "7d", final, options, day_date(day)
                )
                if world.feedback == "immediate":
                    pending.setdefault(day + 1, []).append(post)
                else:
                    early = post._replace(phase="48h", score=provisional)
                    pending.setdefault(day + 2, []).append(early)
                    pending.setdefault(day + 7, []).append(post)
                slot += 1
    return regret, early_regret


def policies_for(settings: Mapping[str, float]) -> tuple[type[Policy], ...]:
    """The benchmark's policies, and Toby with `settings` after them when there are any."""
    return (*POLICIES, TobyWithSettings) if settings else POLICIES


def run_seed(
    args: tuple[WorldSpec, int, Mapping[str, float]],
) -> tuple[str, int, list[tuple[float, float]]]:
    spec, seed, settings = args
    world = build_world(spec, seed)
    regrets = []
    for policy in policies_for(settings):
        with overridden(settings if policy is TobyWithSettings else {}):
            regrets.append(run_policy(world, policy, seed))
    return spec.name, seed, regrets


@dataclass(frozen=True)
class WorldResult:
    world: str
    regrets: np.ndarray  # seeds x policies: the whole run's regret
    early: np.ndarray | None = None  # seeds x policies: the first EARLY_DAYS days'

    def mean(self, policy: int) -> float:
        return float(self.regrets[:, policy].mean())

    def stderr(self, policy: int) -> float:
        return float(self.regrets[:, policy].std(ddof=1) / math.sqrt(len(self.regrets)))

    def difference(self, policy: int, reference: int) -> tuple[float, float]:
        """Mean paired difference of regrets and its standard error."""
        gaps = self.regrets[:, policy] - self.regrets[:, reference]
        return float(gaps.mean()), float(gaps.std(ddof=1) / math.sqrt(len(gaps)))

    def ratio(self, policy: int, reference: int, early: bool = False) -> tuple[float, float]:
        """Mean ratio of regrets and its standard error (delta method on paired seeds); with
        `early`, of the first EARLY_DAYS days' regrets."""
        regrets = self.early if early else self.regrets
        assert regrets is not None
        a, b = regrets[:, policy], regrets[:, reference]
        r = a.mean() / b.mean()
        residual = a - r * b
        return float(r), float(residual.std(ddof=1) / math.sqrt(len(a)) / b.mean())


def run_benchmark(
    seeds: int,
    worlds: Sequence[WorldSpec],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    settings: Mapping[str, float] | None = None,
) -> tuple[list[WorldResult], float]:
    """Every policy on every world for `seeds` seeds; with `settings` (`tunables`), Toby also
    runs with them, as the last policy."""
    started = time.monotonic()
    settings = dict(settings or {})
    # The longest runs first, so no worker is left alone with one at the end.
    jobs = sorted(
        ((world, seed, settings) for world in worlds for seed in range(seeds)),
        key=lambda job: -job[0].days * job[0].posts_per_day,
    )
    results: dict[str, dict[int, list[tuple[float, float]]]] = {w.name: {} for w in worlds}
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, (world, seed, regrets) in enumerate(
            pool.map(run_seed, jobs, chunksize=4), start=1
        ):
            results[world][seed] = regrets
            if progress is not None:
                progress(done, len(jobs))
    summaries = []
    for world in worlds:
        both = np.array([results[world.name][s] for s in range(seeds)])  # seeds x policies x 2
        summaries.append(WorldResult(world.name, both[:, :, 0], both[:, :, 1]))
    return summaries, time.monotonic() - started
