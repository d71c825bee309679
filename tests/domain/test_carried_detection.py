"""The change detector carried from day to day raises what a replay from the first post raises.

`continue_detection` keeps the detector's state between calls, and `carry_detection` feeds each
stream's state only the final scores that arrived that day (in lockstep for many streams) and
stores it as JSON. Fed the same posts in the same order, in as many parts as there are days, it
must find every drop and rise to the last bit that one replay of every post finds, and leave
the same state, whatever the parts; a state read back from its JSON must go on the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.domain.test_change_detection_lockstep import dropping
from tests.domain.test_rises import season
from toby_pipelines.strategy.carried_detection import (
    StreamDetection,
    arrived_today,
    carry_detection,
    state_from_json,
    state_to_json,
)
from toby_pipelines.strategy.change_detection import (
    DetectorState,
    continue_detection,
    detect_changes,
)
from toby_pipelines.strategy.change_detection_lockstep import detect_changes_many

LONG_AGO = dt.date(2000, 1, 1)


def _streams():
    streams = [season(seed, rise=seed % 2 == 0)[0] for seed in range(6)]
    streams += [dropping(seed, 80 + 41 * seed, 40 + 13 * seed) for seed in range(5)]
    return [*streams, dropping(99, 7, 100)]


def _normalized(state: DetectorState) -> tuple:
    """What a state holds that changes what the detector does next (a stopped CUSUM is none)."""
    return (
        state.brand,
        state.drop,
        state.options,
        {key: cusum for key, cusum in state.rises.items() if any(cusum)},
        state.changes,
    )


def _days(stream):
    return sorted({post.published_on for post in stream})


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_fed_in_parts_the_detector_raises_what_it_raises_fed_at_once(parts):
    for stream in _streams():
        whole = DetectorState()
        expected = continue_detection(whole, stream)
        assert expected == detect_changes(stream)
        state, found = DetectorState(), []
        bounds = [len(stream) * i // parts for i in range(parts + 1)]
        for low, high in itertools.pairwise(bounds):
            # Each part read back from its JSON, as the next day reads it.
            found += continue_detection(state, stream[low:high])
            state = state_from_json(state_to_json(state), "ignored", "ignored")
            state.changes = list(found)
        assert found == expected
        assert _normalized(state) == _normalized(whole)


def test_the_lockstep_detector_goes_on_from_carried_states_as_the_per_brand_one():
    streams = _streams()
    assert sum(len(detect_changes(s)) for s in streams) >= 8
    cut = [len(s) // 3 for s in streams]
    one_by_one, lockstep = [], []
    for stream, at in zip(streams, cut, strict=True):
        state = DetectorState()
        continue_detection(state, stream[:at])
        one_by_one.append(state)
        lockstep.append(state_from_json(state_to_json(state), stream[0].brand_id, "carousel"))
    expected = [
        continue_detection(state, stream[at:])
        for state, stream, at in zip(one_by_one, streams, cut, strict=True)
    ]
    found = detect_changes_many([s[at:] for s, at in zip(streams, cut, strict=True)], lockstep)
    assert found == expected
    assert [_normalized(s) for s in lockstep] == [_normalized(s) for s in one_by_one]


def test_day_by_day_carrying_finds_every_change_of_one_replay():
    """`carry_detection` each day with the day's posts, from a first day started over from the
    horizon, finds what a replay of the whole season finds (all of it inside the horizon)."""
    streams = _streams()
    expected = [detect_changes(stream) for stream in streams]
    days = sorted({day for stream in streams for day in _days(stream)})
    states: list[DetectorState | None] = [None] * len(streams)
    for day in days:
        items = []
        for stream, state in zip(streams, states, strict=True):
            seen = [post for post in stream if post.published_on <= day]
            today = {post.post_id for post in stream if post.published_on == day}
            items.append(
                StreamDetection(
                    stream[0].brand_id, "carousel", state, seen, arrived_today(seen, today)
                )
            )
        states = carry_detection(items, LONG_AGO)
        states = [
            state_from_json(state_to_json(s), stream[0].brand_id, stream[0].content_type)
            for s, stream in zip(states, streams, strict=True)
        ]
    assert [state.changes for state in states] == expected


def test_changes_detected_before_the_horizon_are_let_go():
    stream = dropping(3, 400, 120)
    found = detect_changes(stream)
    assert found, "the season has a drop to let go"
    start = found[0].detected_on + dt.timedelta(days=1)
    (state,) = carry_detection(
        [StreamDetection("brand3", "carousel", None, stream, [])], horizon_start=start
    )
    assert state.changes == [c for c in found if c.detected_on >= start]
    assert found[0] not in state.changes


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '{"v": 99}', '{"v": 1, "brand": [1]}', '{"v": 1}'],
)
def test_a_state_that_cannot_be_read_says_so(text):
    with pytest.raises(ValueError, match="detector state"):
        state_from_json(text, "brand", "reel")
