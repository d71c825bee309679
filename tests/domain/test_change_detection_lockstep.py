"""The lockstep change detector finds exactly what the per-brand one finds.

`detect_changes_many` replays every brand's posts side by side with numpy so that a day's
learning does not cost a Python loop per post and option. It must not detect anything else:
every drop and rise, with its dates and shift, equal to the last bit to `detect_changes` on the
same posts, on streams of different lengths, with drops, rises, options missing from some posts,
and streams too short to warm up.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from tests.domain.test_rises import season
from toby_pipelines.strategy.change_detection import detect_changes
from toby_pipelines.strategy.change_detection_lockstep import detect_changes_many
from toby_pipelines.strategy.evidence import ScoredPost

DAY = dt.date(2026, 3, 1)


def dropping(seed: int, posts: int, drop_at: int) -> list[ScoredPost]:
    """A brand whose scores fall 15 points from post `drop_at` on; some posts lack a dimension."""
    rng = np.random.default_rng(seed)
    effects = rng.normal(0, 6, (3, 4))
    stream = []
    for i in range(posts):
        chosen = {f"d{d}": f"o{int(rng.integers(4))}" for d in range(3)}
        if rng.random() < 0.2:
            chosen.pop("d2")
        score = 55 + sum(effects[d, int(o[1])] for d, o in enumerate(chosen.values()))
        score += rng.normal(0, 8) - (15 if i >= drop_at else 0)
        stream.append(
            ScoredPost(
                f"q{seed}-{i}", f"brand{seed}", "carousel", "7d", float(score), chosen,
                DAY + dt.timedelta(days=i // 2),
            )
        )  # fmt: skip
    return stream


def test_lockstep_detection_equals_the_per_brand_detector():
    streams = [season(seed, rise=seed % 2 == 0)[0] for seed in range(8)]
    streams += [dropping(seed, 60 + 37 * seed, 30 + 11 * seed) for seed in range(6)]
    streams += [[], dropping(99, 7, 100)]  # nothing, and too few posts to warm up
    expected = [detect_changes(stream) for stream in streams]
    assert sum(len(changes) for changes in expected) >= 8  # drops and rises to compare
    assert any(change.is_rise for changes in expected for change in changes)
    assert any(not change.is_rise for changes in expected for change in changes)
    assert detect_changes_many(streams) == expected


def test_streams_are_independent():
    """A stream's changes do not depend on which other streams are replayed beside it."""
    streams = [dropping(seed, 120, 60) for seed in range(4)]
    together = detect_changes_many(streams)
    assert [detect_changes_many([stream])[0] for stream in streams] == together
