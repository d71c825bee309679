"""When each discovery scan is due (seed 000 section 5.7): the brand's own accounts every 6
hours, competitors every 8, hashtags every 12; every 20 minutes for everything while the user is
in the bootstrap phase, to build data fast."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

INTERVALS = {
    "own": dt.timedelta(hours=6),
    "competitor": dt.timedelta(hours=8),
    "hashtag": dt.timedelta(hours=12),
}
BOOTSTRAP_INTERVAL = dt.timedelta(minutes=20)
KINDS = tuple(INTERVALS)


@dataclass(frozen=True)
class Scan:
    brand_id: str
    kind: str  # own | competitor | hashtag
    target: str  # the brand id, a competitor's username or a hashtag


def interval(kind: str, phase: str) -> dt.timedelta:
    if kind not in INTERVALS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return BOOTSTRAP_INTERVAL if phase == "bootstrap" else INTERVALS[kind]


def due_scans(
    scans: Sequence[Scan],
    last_scanned: Mapping[Scan, dt.datetime],
    phase_of_brand: Mapping[str, str],
    now: dt.datetime,
) -> list[Scan]:
    """The scans whose interval has passed since they last ran (never run: due), oldest first."""
    due = [
        scan
        for scan in scans
        if (last := last_scanned.get(scan)) is None
        or now - last >= interval(scan.kind, phase_of_brand.get(scan.brand_id, "optimizing"))
    ]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(due, key=lambda s: (last_scanned.get(s, epoch), s.brand_id, s.kind, s.target))
