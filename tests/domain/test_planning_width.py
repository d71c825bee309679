"""Thompson sampling's spread factor is part of a choice's decision record, so a choice replays
bit-exactly after the constant changes (issue 12: any choice replays from the database), and a
record from before it was recorded replays at the 0.5 every such choice was made with."""

from __future__ import annotations

import json

import numpy as np

from toby_pipelines.benchmark.tunables import overridden
from toby_pipelines.strategy import selection
from toby_pipelines.strategy.normal_gamma import NormalGamma
from toby_pipelines.strategy.planning_record import (
    WIDTH_BEFORE_RECORDED,
    decision_record,
    planning_inputs,
    posterior_version,
)
from toby_pipelines.strategy.selection import ExperimentTurn, choose_strategy

POOLS = {"personality": ("story", "data", "edu"), "hook_strategy": ("question", "myth")}
POSTERIORS = {
    "personality": {
        "story": NormalGamma(60.0, 3.0, 3.0, 300.0),
        "data": NormalGamma(57.0, 2.0, 3.0, 300.0),
        "edu": NormalGamma(55.0, 1.0, 3.0, 300.0),
    },
    "hook_strategy": {
        "question": NormalGamma(50.0, 2.0, 3.0, 200.0),
        "myth": NormalGamma(49.0, 2.0, 3.0, 200.0),
    },
}
TURNS = [ExperimentTurn("hook_strategy", {"question": 2, "myth": 5}, 5)]


def _choose(seed: int, width: float | None = None):
    return choose_strategy(
        POOLS, POSTERIORS, np.random.default_rng(seed), explore_ratio=0.3, experiments=TURNS,
        width=width,
    )  # fmt: skip


def _replayed(decision: str, seed: int):
    body = posterior_version(POOLS, POSTERIORS, {}).body
    inputs = planning_inputs(body, decision)
    return choose_strategy(
        inputs.pools, inputs.posteriors, np.random.default_rng(seed),
        explore_ratio=inputs.explore_ratio, experiments=inputs.experiments,
        resting=inputs.resting, width=inputs.width,
    )  # fmt: skip


def test_a_choice_replays_at_its_recorded_width_whatever_the_constant_is_now():
    made = [_choose(seed, 0.4) for seed in range(200)]
    records = [decision_record(TURNS, 0.3, seed, 0.4) for seed in range(200)]
    assert all(json.loads(r)["posterior_width"] == 0.4 for r in records)
    with overridden({"posterior_width": 1.0}):
        replayed = [_replayed(record, seed) for seed, record in enumerate(records)]
        # The constant now differs, and with it some choices made fresh.
        assert [_choose(seed) for seed in range(200)] != made
    assert replayed == made


def test_a_record_from_before_the_width_was_recorded_replays_at_one_half():
    record = json.loads(decision_record(TURNS, 0.3, 11, 0.4))
    del record["posterior_width"]
    old = json.dumps(record)
    assert planning_inputs(posterior_version(POOLS, POSTERIORS, {}).body, old).width == 0.5
    assert WIDTH_BEFORE_RECORDED == 0.5
    assert _replayed(old, 11) == _choose(11, 0.5)


def test_the_planner_default_is_the_module_constant_read_when_called():
    with overridden({"posterior_width": 0.7}):
        assert [_choose(seed) for seed in range(50)] == [_choose(seed, 0.7) for seed in range(50)]
    assert [_choose(seed) for seed in range(50)] == [
        _choose(seed, selection.POSTERIOR_WIDTH) for seed in range(50)
    ]
