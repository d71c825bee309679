"""Offline estimates are unbiased within their error on simulated worlds with known truth.

A world with additive option effects; Toby's own choice rule logs 200 posts per replication
with its exact propensities (fixed posteriors, so the truth of every target is known in closed
form); each estimator's mean over 150 replications must sit within four of its standard errors
of the truth, and its 95% intervals must cover the truth about as often as they claim."""

from __future__ import annotations

import math

import numpy as np
import pytest

from toby_pipelines.evaluation.estimators import doubly_robust, ipw, snipw
from toby_pipelines.evaluation.policies import LoggedPost, TargetPolicy, predicted
from toby_pipelines.strategy.normal_gamma import NormalGamma
from toby_pipelines.strategy.planning_record import PlanningInputs
from toby_pipelines.strategy.selection import choose_strategy
from toby_pipelines.strategy.thompson import choice_probabilities

BASE, NOISE = 50.0, 10.0
EFFECTS = {
    "personality": {"a": 6.0, "b": 0.0, "c": -4.0},
    "hook_strategy": {"x": 3.0, "y": -2.0, "z": 0.0, "w": -5.0},
}
POOLS = {d: tuple(options) for d, options in EFFECTS.items()}
# What Toby believes: roughly right, uncertain enough that every option gets chosen at times.
BELIEFS = {
    "personality": {"a": 53.0, "b": 51.0, "c": 47.0},
    "hook_strategy": {"x": 51.0, "y": 49.5, "z": 50.5, "w": 47.0},
}
POSTERIORS = {
    d: {o: NormalGamma(mu, 2.0, 3.0, 300.0) for o, mu in options.items()}
    for d, options in BELIEFS.items()
}
# The logging policy: Thompson sampling at the spread factor these checks were set at, which
# picks every option often enough (option c: 8% of posts). At Toby's 0.4 it picks c 5% of the
# time, and SNIPW's 95% interval for always-c covered the truth in 83% of the 150 replications
# (README, Offline evaluation): intervals for options Toby seldom chooses are optimistic.
LOGGING_WIDTH = 0.5
INPUTS = PlanningInputs(POOLS, POSTERIORS, {}, (), 0.0, 0, LOGGING_WIDTH)
REPLICATIONS, POSTS = 150, 200


def _distribution(policy: str, dimension: str) -> dict[str, float]:
    pool = POOLS[dimension]
    laws = tuple(POSTERIORS[dimension][o] for o in pool)
    if policy == "uniform":
        return dict.fromkeys(pool, 1 / len(pool))
    if policy == "plain-ts":
        return dict(zip(pool, choice_probabilities(laws, 1.0), strict=True))
    if policy == "toby":
        return dict(zip(pool, choice_probabilities(laws, LOGGING_WIDTH), strict=True))
    leader = max(pool, key=lambda o: POSTERIORS[dimension][o].mu)
    return {o: 0.7 * (o == leader) + 0.3 / len(pool) for o in pool}


def truth(policy: TargetPolicy) -> float:
    value = BASE
    for dimension, effects in EFFECTS.items():
        if policy.name == "always":
            if dimension == policy.dimension:
                value += effects[policy.option]
                continue
            shares = _distribution("toby", dimension)
        else:
            shares = _distribution(policy.name, dimension)
        value += sum(p * effects[o] for o, p in shares.items())
    return value


def logged(rng: np.random.Generator) -> list[LoggedPost]:
    posts = []
    for i in range(POSTS):
        choice = choose_strategy(POOLS, POSTERIORS, rng, explore_ratio=0.0, width=LOGGING_WIDTH)
        mean = BASE + sum(EFFECTS[d][o] for d, o in choice.options.items())
        posts.append(
            LoggedPost(
                f"p{i}", "b", "reel", choice.options, float(mean + rng.normal(0, NOISE)),
                choice.propensity, choice.option_propensities, INPUTS,
            )
        )  # fmt: skip
    return posts


@pytest.mark.parametrize(
    "policy",
    [
        TargetPolicy("uniform"),
        TargetPolicy("plain-ts"),
        TargetPolicy("seed-70-30"),
        TargetPolicy("always", "personality", "c"),
    ],
    ids=lambda p: p.name if p.name != "always" else "always:personality=c",
)
def test_estimates_are_unbiased_within_their_error(policy):
    expected = truth(policy)
    found: dict[str, list] = {"IPW": [], "SNIPW": [], "DR": []}
    for replication in range(REPLICATIONS):
        posts = logged(np.random.default_rng([11, replication]))
        scores = [p.score for p in posts]
        weights = [policy.weight(p) for p in posts]
        found["IPW"].append(ipw(scores, weights))
        found["SNIPW"].append(snipw(scores, weights))
        found["DR"].append(
            doubly_robust(
                scores,
                weights,
                [predicted(p) for p in posts],
                [policy.predicted_under_target(p) for p in posts],
            )
        )
    for name, estimates in found.items():
        values = np.array([e.value for e in estimates])
        spread = values.std(ddof=1) / math.sqrt(len(values))
        # SNIPW's small-sample bias is of order 1/posts: allowed a tenth of a point on top.
        allowance = 0.1 if name == "SNIPW" else 0.0
        assert abs(values.mean() - expected) < 4 * spread + allowance, (name, values.mean())
        covered = np.mean([e.low <= expected <= e.high for e in estimates])
        assert covered >= 0.85, (name, covered)
        assert all(0 < e.effective_sample_size <= POSTS for e in estimates)
