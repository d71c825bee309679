"""Replay a planned post's strategy choice from what the database recorded about it."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from toby_pipelines.loop.plan import slot_rng
from toby_pipelines.storage.posts import planning_record
from toby_pipelines.strategy.planning_record import planning_inputs
from toby_pipelines.strategy.selection import StrategyChoice, choose_strategy


def replay_choice(connection: Connection, post_id: str) -> StrategyChoice | None:
    """The choice the planner made for `post_id`, made again from its posterior version and
    decision record with the slot's seed; None for a post planned before these were recorded."""
    record = planning_record(connection, post_id)
    if record is None:
        return None
    slot, version, decision = record
    inputs = planning_inputs(version, decision)
    return choose_strategy(
        inputs.pools,
        inputs.posteriors,
        slot_rng(inputs.seed, slot),
        explore_ratio=inputs.explore_ratio,
        experiments=inputs.experiments,
        resting=inputs.resting,
        width=inputs.width,
    )
