"""Benchmark worlds: what an audience rewards, and when the scores arrive.

A synthetic world gives each option of each dimension an effect on the mean score (additive,
around 50) and every post a noise term. Noise is drawn per slot from the world's own seed, so
every algorithm meets the same audience and the same luck (common random numbers); only its
choices differ. Regret is the best combination's mean minus the chosen one's, in score points.

Feedback: in an "immediate" world the final score arrives the day after publishing. In a
"delayed" world, as live, the 48h score (a noisier read) arrives two days after publishing and
the final score after seven.
"""

from __future__ import annotations

import csv
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
        provisional = float(np.clip(final + self.provisional_noise[slot], 0, 100))
        return provisional, final


def _draw_effects(rng: np.random.Generator, pools) -> dict[str, dict[str, float]]:
    return {
        dim: {option: float(rng.normal(0, EFFECT_SD[dim])) for option in options}
        for dim, options in pools.items()
    }


def _noise(world: World, rng: np.random.Generator) -> World:
    slots = world.days * world.slots_per_day * len(world.brands)
    world.noise = rng.normal(0, NOISE_SD, slots)
    world.provisional_noise = rng.normal(0, PROVISIONAL_EXTRA_SD, slots)
    world.uniforms = rng.random(slots)
    return world


RISE_DAY = 20
# A late brand's tastes against its sibling's: the sibling's effects, fresh ones, and a blend.
LATE_TASTES = {
    "late_brand": (0.8, 0.6),  # mostly shared, partly its own
    "late_same": (1.0, 0.0),
    "late_independent": (0.0, 1.0),
    "late_opposite": (-1.0, 0.0),
}


def synthetic_world(name: str, seed: int) -> World:
    """stationary | delayed | drifting | rising | late_brand | late_same | late_independent |
    late_opposite"""
    if name not in {"stationary", "delayed", "drifting", "rising", *LATE_TASTES}:
        raise ValueError(f"unknown world {name!r}")
    rng = np.random.default_rng([seed, 1])
    pools = dict(PRODUCT_POOLS)
    feedback = "immediate" if name == "stationary" else "delayed"
    if name in LATE_TASTES:
        brands = [Brand("first", 0, False), Brand("late", DAYS // 2, True)]
    else:
        brands = [Brand("brand", 0, True)]
    world = World(name, feedback, brands, pools)
    shared = _draw_effects(rng, pools)
    for index, brand in enumerate(brands):
        if index == 0:
            own = shared
        else:
            # A sibling brand of the same niche: its tastes against the first brand's.
            other = _draw_effects(rng, pools)
            alike, apart = LATE_TASTES[name]
            own = {
                dim: {o: alike * shared[dim][o] + apart * other[dim][o] for o in opts}
                for dim, opts in pools.items()
            }
        world.effects[(brand.brand_id, False)] = own
        world.effects[(brand.brand_id, True)] = own
    if name == "drifting":
        world.change_day = DAYS // 2
        world.effects[("brand", True)] = _draw_effects(rng, pools)
    if name == "rising":
        # On day 20 each dimension's worst option, long since abandoned, becomes its best.
        world.change_day = RISE_DAY
        before = world.effects[("brand", False)]
        world.effects[("brand", True)] = {
            dim: {
                o: (max(effects.values()) + EFFECT_SD[dim]
                    if o == min(effects, key=effects.get) else effect)
                for o, effect in effects.items()
            }
            for dim, effects in before.items()
        }  # fmt: skip
    return _noise(world, rng)


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


def facebook_world(seed: int, scores: Mapping[str, np.ndarray]) -> World:
    rng = np.random.default_rng([seed, 2])
    world = World(
        "facebook",
        "immediate",
        [Brand("brand", 0, True)],
        {"post_format": tuple(scores)},
        real_scores=scores,
    )
    return _noise(world, rng)


WORLDS = (
    "stationary",
    "delayed",
    "drifting",
    "rising",
    "late_brand",
    "late_same",
    "late_independent",
    "late_opposite",
    "facebook",
)
