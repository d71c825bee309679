"""Each stream's change detector carried from day to day instead of replayed over the horizon.

Replaying every final score of the 90-day horizon each morning (`detect_changes_many`) costs as
much as the horizon holds, and an alarm could appear or vanish as the window slid. Carried, a
stream's detector goes on from yesterday's state with the final (7d) scores that arrived today
only, fed in publishing order: fed the same posts in the same order, it raises the same changes
to the last bit as a replay from the stream's first post (`continue_detection`). So a brand's
detector runs from its first post, or its last change, without forgetting.

It starts again from the horizon (a replay, as before) when no state of yesterday is stored or
it cannot be read: a brand's first day, the first day after this was deployed, a backfill of a
day whose previous day's state is no longer kept, a user who reset Toby since. A post deleted
after its final score arrived stays in the detector's past (a replay would leave it out).
Changes are kept in the state while they can matter: detected within the horizon.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from toby_pipelines.strategy.change_detection import ChangePoint, DetectorState
from toby_pipelines.strategy.change_detection_lockstep import detect_changes_many
from toby_pipelines.strategy.evidence import ScoredPost

STATE_VERSION = 1


@dataclass(frozen=True)
class StreamDetection:
    """One stream's detector for a day: yesterday's state (None: start again from the horizon),
    the horizon's final scores and those among them that arrived today, in publishing order."""

    brand_id: str
    content_type: str
    state: DetectorState | None
    finals: Sequence[ScoredPost]
    arrived: Sequence[ScoredPost]

    @property
    def rebuilt(self) -> bool:
        return self.state is None


def arrived_today(finals: Sequence[ScoredPost], arrived_ids: set[str]) -> list[ScoredPost]:
    """The final scores among `finals` whose post is in `arrived_ids`, in their order."""
    return [post for post in finals if post.post_id in arrived_ids]


def carry_detection(
    streams: Sequence[StreamDetection], horizon_start: dt.date
) -> list[DetectorState]:
    """Each stream's detector after today, in lockstep (`detect_changes_many`): yesterday's
    state fed today's final scores, or a new one fed the horizon's. Its `changes` are those
    detected since `horizon_start`."""
    states = [s.state if s.state is not None else DetectorState() for s in streams]
    posts = [s.finals if s.state is None else s.arrived for s in streams]
    detect_changes_many(posts, states)
    for state in states:
        state.changes = [c for c in state.changes if c.detected_on >= horizon_start]
    return states


def state_to_json(state: DetectorState) -> str:
    """The state as compact JSON; floats as Python writes them, so they read back to the bit.
    A running CUSUM is kept, a stopped one (all zero) is the same as none."""
    return json.dumps(
        {
            "v": STATE_VERSION,
            "brand": state.brand,
            "drop": _cusum_out(state.drop),
            # Sorted: the same state is the same text, whichever detector left it.
            "options": [[*key, *running] for key, running in sorted(state.options.items())],
            "rises": [
                [*key, *_cusum_out(cusum)]
                for key, cusum in sorted(state.rises.items())
                if any(cusum)
            ],
            "changes": [
                [
                    c.changed_on.toordinal(),
                    c.detected_on.toordinal(),
                    c.shift,
                    c.dimension,
                    c.option,
                ]
                for c in state.changes
            ],
        },
        separators=(",", ":"),
    )


def state_from_json(text: str, brand_id: str, content_type: str) -> DetectorState:
    """A stored state; ValueError when it is not one this version wrote."""
    try:
        data = json.loads(text)
        if data.get("v") != STATE_VERSION:
            raise ValueError(f"detector state version {data.get('v')!r}, not {STATE_VERSION}")
        brand = [int(data["brand"][0]), float(data["brand"][1])]
        brand += [int(data["brand"][2]), float(data["brand"][3])]
        brand += [int(data["brand"][4]), float(data["brand"][5])]
        return DetectorState(
            brand=brand,
            drop=_cusum_in(data["drop"]),
            options={(d, o): [int(n), float(t)] for d, o, n, t in data["options"]},
            rises={(d, o): _cusum_in(rest) for d, o, *rest in data["rises"]},
            changes=[
                ChangePoint(
                    brand_id,
                    content_type,
                    changed_on=dt.date.fromordinal(changed),
                    detected_on=dt.date.fromordinal(detected),
                    shift=float(shift),
                    dimension=dimension,
                    option=option,
                )
                for changed, detected, shift, dimension, option in data["changes"]
            ],
        )
    except (KeyError, TypeError, IndexError, AttributeError, json.JSONDecodeError) as error:
        raise ValueError(f"unreadable detector state: {type(error).__name__}") from error


def _cusum_out(cusum: list) -> list:
    value, start, *rest = cusum
    return [value, start.toordinal() if start is not None else 0, *rest]


def _cusum_in(fields: list) -> list:
    value, start, residual_count, residual_total, score_count, score_total = fields
    return [
        float(value),
        dt.date.fromordinal(start) if start else None,
        int(residual_count),
        float(residual_total),
        int(score_count),
        float(score_total),
    ]
