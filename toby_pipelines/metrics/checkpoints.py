"""The ages at which Toby captures a post's cumulative metrics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CHECKPOINTS: dict[str, dt.timedelta] = {
    "6h": dt.timedelta(hours=6),
    "24h": dt.timedelta(hours=24),
    "48h": dt.timedelta(hours=48),
    "72h": dt.timedelta(hours=72),
    "7d": dt.timedelta(days=7),
}
EARLY_CHECKPOINT = "48h"
FINAL_CHECKPOINT = "7d"
SCORED_CHECKPOINTS = (EARLY_CHECKPOINT, FINAL_CHECKPOINT)
LONGEST_CHECKPOINT = max(CHECKPOINTS.values())
# How late a capture may still be taken for its checkpoint: past this, a 6h snapshot would say
# more about the next checkpoint than about its own, and a failed capture is marked missing.
MAX_LATENESS: dict[str, dt.timedelta] = {
    "6h": dt.timedelta(hours=6),
    "24h": dt.timedelta(hours=12),
    "48h": dt.timedelta(hours=24),
    "72h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=3),
}


def capture_deadline(checkpoint: str, checkpoint_at: dt.datetime) -> dt.datetime:
    """The last moment a capture of this checkpoint is still worth retrying."""
    return checkpoint_at + MAX_LATENESS[checkpoint]


@dataclass(frozen=True)
class CheckpointDue:
    checkpoint: str
    at: dt.datetime


def checkpoints_between(
    published_at: dt.datetime, start: dt.datetime, end: dt.datetime
) -> list[CheckpointDue]:
    """Checkpoints of a post published at `published_at` reached in [start, end)."""
    return [
        CheckpointDue(name, published_at + age)
        for name, age in CHECKPOINTS.items()
        if start <= published_at + age < end
    ]
