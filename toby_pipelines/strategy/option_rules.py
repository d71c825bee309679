"""An owner's pins and bans (seed 004's manual lock) applied to a post's option pools.

A pinned option is the only one its dimension offers; a banned one is left out. Thompson
sampling and experiments then choose within what is left, so the propensity a post records is
the probability of its options under the restricted choice (1 for a pin). Learning is untouched:
every option's posterior goes on learning from the scores that arrive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RULES = ("pin", "ban")

# {dimension: {option: "pin" | "ban"}}
Rules = Mapping[str, Mapping[str, str]]


def restricted_pools(
    pools: Mapping[str, Sequence[str]], rules: Rules | None
) -> dict[str, tuple[str, ...]]:
    """The pools with pins and bans applied; a dimension whose rules would leave nothing (every
    option banned, or a pin of an option no longer in the pool) keeps its whole pool."""
    restricted = {}
    for dimension, options in pools.items():
        mine = (rules or {}).get(dimension, {})
        pinned = tuple(o for o in options if mine.get(o) == "pin")
        allowed = pinned or tuple(o for o in options if mine.get(o) != "ban")
        restricted[dimension] = allowed or tuple(options)
    return restricted
