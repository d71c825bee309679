"""Buffer health exactly as seed 000 section 5.6 defines it, over the next 48 hours.

HEALTHY: every slot in the next 48h is filled. LOW: 1-3 slots empty. CRITICAL: 4 or more empty,
or less than 24h of content left (an empty slot within the next 24 hours).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable
from dataclasses import dataclass

from toby_pipelines.buffer.slots import Slot

HEALTH_WINDOW = dt.timedelta(hours=48)
MIN_COVERAGE = dt.timedelta(hours=24)


@dataclass(frozen=True)
class BufferHealth:
    status: str
    total_slots: int
    filled_slots: int
    hours_covered: float

    @property
    def empty_slots(self) -> int:
        return self.total_slots - self.filled_slots


def buffer_health(slots: Iterable[Slot], filled: Container[Slot], now: dt.datetime) -> BufferHealth:
    """Health of the slots in (now, now + 48h]; `filled` holds the slots that have a post.

    `filled` is only asked about these slots, never walked: the planner passes every brand's
    filled slots, and walking them per brand made a tick quadratic in brands.
    """
    window = sorted(slot for slot in slots if now < slot.at <= now + HEALTH_WINDOW)
    empty = [slot for slot in window if slot not in filled]
    covered = (empty[0].at - now) if empty else HEALTH_WINDOW
    if len(empty) >= 4 or covered < MIN_COVERAGE:
        status = "CRITICAL"
    elif empty:
        status = "LOW"
    else:
        status = "HEALTHY"
    return BufferHealth(
        status, len(window), len(window) - len(empty), covered.total_seconds() / 3600
    )


def worst(statuses: Iterable[str]) -> str:
    order = {"HEALTHY": 0, "LOW": 1, "CRITICAL": 2}
    return max(statuses, key=order.__getitem__, default="HEALTHY")
