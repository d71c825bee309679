"""Benchmark worlds: what an audience rewards, and when the scores arrive.

A synthetic world gives each option of each dimension an effect on the mean score (additive,
around 50) and every post a noise term. Noise is drawn per slot from the world's own seed, so
every algorithm meets the same audience and the same luck (common random numbers); only its
choices differ. Regret is the best combination's mean minus the chosen one's, in score points.

Feedback: in an "immediate" world the final score arrives the day after publishing. In a
"delayed" world, as live, the 48h score (a noisier read) arrives two days after publishing and
the final score after seven. What a world looks like is a `WorldSpec` (see `family`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toby_pipelines.scoring.toby_score import compute_toby_score
from toby_pipelines.strategy.dimensions import (
    HOOK_STRATEGIES,
    PERSONALITY_PROMPTS,
    TITLE_FORMATS,
    VISUAL_STYLES,
)

DAYS = 90  # a season: as long as Toby's learning horizon
SLOTS_PER_DAY = 6  # the seed's default reel slots per day
BASE_SCORE = 50.0
NOISE_SD = 12.0
PROVISIONAL_EXTRA_SD = 6.0
# Spread of option effects per dimension, in score points.
EFFECT_SD = {
    "personality": 6.0,
    "topic_bucket": 5.0,
    "hook_strategy": 4.0,
    "title_format": 3.0,
    "visual_style": 3.0,
}
TOPICS = ("superfoods", "sleep", "gut_health", "hormones", "stress")
PRODUCT_POOLS: dict[str, tuple[str, ...]] = {
    "personality": tuple(PERSONALITY_PROMPTS["reel"]),
    "topic_bucket": TOPICS,
    "hook_strategy": HOOK_STRATEGIES,
    "title_format": TITLE_FORMATS,
    "visual_style": VISUAL_STYLES,
}
FACEBOOK_CSV = Path(__file__).resolve().parents[2] / "datasets" / "dataset_Facebook.csv"
FACEBOOK_MIN_POSTS = 3
# A late brand's tastes against its sibling's: (share of the sibling's effects, of fresh ones).
TASTES = {
    "mostly_same": (0.8, 0.6),
    "same": (1.0, 0.0),
    "independent": (0.0, 1.0),
    "opposite": (-1.0, 0.0),
}


@dataclass(frozen=True)
class WorldSpec:
    """One kind of world. Every field has the product's default; a world varies a few."""

    name: str
    feedback: str = "delayed"  # "immediate" | "delayed"
    options: int | None = None  # options per dimension (None: the product's own pools)
    effect_scale: float = 1.0  # times EFFECT_SD
    noise_sd: float = NOISE_SD
    tail_df: float | None = None  # Student t noise with this many degrees of freedom
    days: int = DAYS
    posts_per_day: int = SLOTS_PER_DAY
    # On `change_day`: "drift" redraws the tastes; "drop" sinks each dimension's best option
    # below its worst; "rise" lifts each dimension's worst option (long abandoned) above its best.
    change: str | None = None
    change_day: int | None = None
    # The best hook's 48h score reads this many points below its final score.
    slow_burn: float = 0.0
    # A second brand joining on `late_day` with these tastes (see TASTES); only its regret counts.
    late_tastes: str | None = None
    late_day: int | None = None
    facebook: bool = False  # the 500 real posts, resampled by post format

    def __post_init__(self) -> None:
        if self.change not in (None, "drift", "drop", "rise"):
            raise ValueError(f"{self.name}: unknown change {self.change!r}")
        if (self.change is None) != (self.change_day is None):
            raise ValueError(f"{self.name}: change and change_day go together")
        if self.late_tastes is not None and self.late_tastes not in TASTES:
            raise ValueError(f"{self.name}: unknown late_tastes {self.late_tastes!r}")


@dataclass(frozen=True)
class Brand:
    brand_id: str
    joins_on: int  # first publishing day
    measured: bool  # does its regret count


@dataclass
class World:
    name: str
    feedback: str  # "immediate" | "delayed"
    brands: list[Brand]
    pools: dict[str, tuple[str, ...]]
    days: int = DAYS
    slots_per_day: int = SLOTS_PER_DAY
    # (brand, day >= change_day) -> dimension -> option -> effect
    effects: dict[tuple[str, bool], dict[str, dict[str, float]]] = field(default_factory=dict)
    change_day: int | None = None
    noise: np.ndarray = field(default_factory=lambda: np.zeros(0))
    provisional_noise: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # (dimension, option) whose 48h score reads `slow_burn` points low.
    slow_burner: tuple[str, str] | None = None
    slow_burn: float = 0.0
    # Real-data worlds: option -> real scores to resample, and a uniform draw per slot.
    real_scores: Mapping[str, np.ndarray] | None = None
    uniforms: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def _effects(self, brand_id: str, day: int) -> dict[str, dict[str, float]]:
        after = self.change_day is not None and day >= self.change_day
        return self.effects[(brand_id, after)]

    def mean(self, brand_id: str, options: Mapping[str, str], day: int) -> float:
        if self.real_scores is not None:
            return float(np.mean(self.real_scores[options["post_format"]]))
        effects = self._effects(brand_id, day)
        return BASE_SCORE + sum(effects[dim][options[dim]] for dim in self.pools)

    def best_mean(self, brand_id: str, day: int) -> float:
        if self.real_scores is not None:
            return max(float(np.mean(scores)) for scores in self.real_scores.values())
        effects = self._effects(brand_id, day)
        return BASE_SCORE + sum(max(effects[dim].values()) for dim in self.pools)

    def scores(
        self, brand_id: str, options: Mapping[str, str], day: int, slot: int
    ) -> tuple[float, float]:
        """(48h score, final score) of the post in slot number `slot` of the run."""
        if self.real_scores is not None:
            pool = self.real_scores[options["post_format"]]
            final = float(pool[int(self.uniforms[slot] * len(pool))])
            return final, final
        final = float(np.clip(self.mean(brand_id, options, day) + self.noise[slot], 0, 100))
        provisional = final + self.provisional_noise[slot]
        if self.slow_burner is not None and options.get(self.slow_burner[0]) == self.slow_burner[1]:
            provisional -= self.slow_burn
        return float(np.clip(provisional, 0, 100)), final


def build_world(spec: WorldSpec, seed: int) -> World:
    """The world `spec` describes, drawn from `seed` (common random numbers across policies)."""
    if spec.facebook:
        return _facebook_world(spec, seed, facebook_post_scores())
    rng = np.random.default_rng([seed, 1])
    if spec.options is None:
        pools = dict(PRODUCT_POOLS)
    else:
        pools = {dim: tuple(f"{dim}_{i + 1}" for i in range(spec.options)) for dim in EFFECT_SD}
    if spec.late_tastes is not None:
        late_day = spec.late_day if spec.late_day is not None else spec.days // 2
        brands = [Brand("first", 0, False), Brand("late", late_day, True)]
    else:
        brands = [Brand("brand", 0, True)]
    world = World(
        spec.name, spec.feedback, brands, pools, days=spec.days, slots_per_day=spec.posts_per_day
    )
    shared = _draw_effects(rng, pools, spec.effect_scale)
    for index, brand in enumerate(brands):
        if index == 0:
            own = shared
        else:
            # A sibling brand of the same niche: its tastes against the first brand's.
            other = _draw_effects(rng, pools, spec.effect_scale)
            alike, apart = TASTES[spec.late_tastes]
            own = {
                dim: {o: alike * shared[dim][o] + apart * other[dim][o] for o in opts}
                for dim, opts in pools.items()
            }
        world.effects[(brand.brand_id, False)] = own
        world.effects[(brand.brand_id, True)] = own
    if spec.change is not None:
        world.change_day = spec.change_day
        for brand in brands:
            before = world.effects[(brand.brand_id, False)]
            world.effects[(brand.brand_id, True)] = _changed(
                spec.change, before, rng, pools, spec.effect_scale
            )
    if spec.slow_burn:
        hooks = world.effects[(brands[-1].brand_id, False)]["hook_strategy"]
        world.slow_burner = ("hook_strategy", max(hooks, key=hooks.get))
        world.slow_burn = spec.slow_burn
    return _noise(world, rng, spec)


def _changed(kind, before, rng, pools, scale) -> dict[str, dict[str, float]]:
    if kind == "drift":
        return _draw_effects(rng, pools, scale)
    changed = {}
    for dim, effects in before.items():
        low, high = min(effects.values()), max(effects.values())
        step = EFFECT_SD[dim] * scale
        if kind == "rise":  # the worst option, long since abandoned, becomes the best
            target, new = min(effects, key=effects.get), high + step
        else:  # "drop": the best option, the one Toby posts, becomes the worst
            target, new = max(effects, key=effects.get), low - step
        changed[dim] = {o: (new if o == target else e) for o, e in effects.items()}
    return changed


def _draw_effects(rng: np.random.Generator, pools, scale: float) -> dict[str, dict[str, float]]:
    return {
        dim: {option: float(rng.normal(0, EFFECT_SD[dim] * scale)) for option in options}
        for dim, options in pools.items()
    }


def _noise(world: World, rng: np.random.Generator, spec: WorldSpec) -> World:
    slots = world.days * world.slots_per_day * len(world.brands)
    if spec.tail_df is None:
        world.noise = rng.normal(0, spec.noise_sd, slots)
    else:  # Student t, scaled to the same standard deviation
        scale = math.sqrt((spec.tail_df - 2) / spec.tail_df)
        world.noise = rng.standard_t(spec.tail_df, slots) * spec.noise_sd * scale
    world.provisional_noise = rng.normal(0, PROVISIONAL_EXTRA_SD, slots)
    world.uniforms = rng.random(slots)
    return world


def facebook_post_scores(path: Path = FACEBOOK_CSV) -> dict[str, np.ndarray]:
    """Toby scores of the 500 real posts, by post format (type and category, e.g. "Photo/2").

    Views are lifetime impressions, shares are shares (the data has no saves), followers are the
    page's likes at the time, and the brand average is the mean impressions of all posts.
    Formats with fewer than three posts are left out."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    impressions = [int(r["Lifetime Post Total Impressions"]) for r in rows]
    average = sum(impressions) / len(impressions)
    by_format: dict[str, list[float]] = {}
    for row, views in zip(rows, impressions, strict=True):
        score = compute_toby_score(
            views=views,
            saves=0,
            shares=int(row["share"] or 0),
            brand_avg_views=average,
            followers=int(row["Page total likes"]),
        ).toby_score
        by_format.setdefault(f"{row['Type']}/{row['Category']}", []).append(score)
    return {
        name: np.array(scores)
        for name, scores in sorted(by_format.items())
        if len(scores) >= FACEBOOK_MIN_POSTS
    }


def _facebook_world(spec: WorldSpec, seed: int, scores: Mapping[str, np.ndarray]) -> World:
    rng = np.random.default_rng([seed, 2])
    world = World(
        spec.name,
        "immediate",
        [Brand("brand", 0, True)],
        {"post_format": tuple(scores)},
        days=spec.days,
        slots_per_day=spec.posts_per_day,
        real_scores=scores,
    )
    return _noise(world, rng, spec)
