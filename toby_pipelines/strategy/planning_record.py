"""What a post's strategy was chosen from, recorded so the choice replays bit-exactly.

A choice depends on the option pools, the posteriors sampled, the resting topics, the running
experiments' sample counts, the explore ratio, the slot's random seed and Thompson sampling's
spread factor (`selection.spread_for`: POSTERIOR_WIDTH, or NOISY_WIDTH for a noisy stream;
recorded since it changed from 0.5). The first three are
the same for every slot of a brand and content type in one planning run: they form a posterior
version, stored once under the hash of its canonical JSON (so it can never change under the id
a post refers to). The rest is small and per post: its decision record. JSON floats round-trip
exactly, so a replay draws the same numbers and makes the same choice with the same propensity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, NormalGamma
from toby_pipelines.strategy.selection import ExperimentTurn

# The spread factor every choice recorded without one was made with.
WIDTH_BEFORE_RECORDED = 0.5


@dataclass(frozen=True)
class PosteriorVersion:
    id: str  # sha256 of `body`
    body: str


@dataclass(frozen=True)
class PlanningInputs:
    pools: dict[str, tuple[str, ...]]
    posteriors: dict[str, dict[str, NormalGamma]]
    resting: dict[str, frozenset[str]]
    experiments: tuple[ExperimentTurn, ...]
    explore_ratio: float
    seed: int
    width: float


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def posterior_version(
    pools: Mapping[str, Sequence[str]],
    posteriors: Mapping[str, Mapping[str, NormalGamma]],
    resting: Mapping[str, Collection[str]] | None,
) -> PosteriorVersion:
    """The version of what a brand and content type's choices sample: every pooled option's
    posterior (the prior where it has none), in pool order, and the resting options."""
    body = _canonical(
        {
            "pools": [[dimension, list(options)] for dimension, options in pools.items()],
            "posteriors": {
                dimension: {
                    option: _params(posteriors.get(dimension, {}).get(option, DEFAULT_PRIOR))
                    for option in options
                }
                for dimension, options in pools.items()
            },
            "resting": {
                dimension: sorted(options) for dimension, options in (resting or {}).items()
            },
        }
    )
    return PosteriorVersion(hashlib.sha256(body.encode()).hexdigest(), body)


def decision_record(
    experiments: Sequence[ExperimentTurn], explore_ratio: float, seed: int, width: float
) -> str:
    """The per-post inputs of a choice: experiments in the planner's order, ratio, seed and
    Thompson sampling's spread factor. An experiment's follow-ups come fourth, when it has any
    (records from before them have three)."""
    return _canonical(
        {
            "posterior_width": width,
            "experiments": [
                [turn.dimension, dict(turn.sample_counts), turn.min_samples]
                + ([dict(turn.follow_ups)] if turn.follow_ups else [])
                for turn in experiments
            ],
            "explore_ratio": explore_ratio,
            "seed": seed,
        }
    )


def planning_inputs(version_body: str, decision: str) -> PlanningInputs:
    """What a recorded choice was made from, read back exactly."""
    version, record = json.loads(version_body), json.loads(decision)
    return PlanningInputs(
        pools={dimension: tuple(options) for dimension, options in version["pools"]},
        posteriors={
            dimension: {option: NormalGamma(*params) for option, params in options.items()}
            for dimension, options in version["posteriors"].items()
        },
        resting={
            dimension: frozenset(options) for dimension, options in version["resting"].items()
        },
        experiments=tuple(ExperimentTurn(*turn) for turn in record["experiments"]),
        explore_ratio=record["explore_ratio"],
        seed=record["seed"],
        # Records from before the width was recorded were all made at 0.5.
        width=record.get("posterior_width", WIDTH_BEFORE_RECORDED),
    )


def _params(posterior: NormalGamma) -> list[float]:
    return [posterior.mu, posterior.kappa, posterior.alpha, posterior.beta]
