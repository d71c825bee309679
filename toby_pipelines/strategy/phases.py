"""Toby's phases (seed 000 sections 3 and 8.1): bootstrap -> learning -> optimizing.

Bootstrap: the first week, while the first scores come in. Learning: once Toby has been on for
`BOOTSTRAP_DAYS` and has `LEARNING_MIN_SCORED_POSTS` scored posts ("enough data"). Optimizing:
from day `OPTIMIZING_AFTER_DAYS` ("learning and 30+ days"). Phases only move forward.

The phase describes progress; it does not switch the policy. Thompson sampling explores in
proportion to what it does not know yet, so the same rule is right in every phase.
"""

from __future__ import annotations

import datetime as dt

PHASES = ("bootstrap", "learning", "optimizing")
BOOTSTRAP_DAYS = 7
LEARNING_MIN_SCORED_POSTS = 10
OPTIMIZING_AFTER_DAYS = 30


def phase_on(
    current: str, enabled_on: dt.date | None, day: dt.date, scored_posts: int
) -> tuple[str, str | None]:
    """(phase, reason) on `day`; the reason is None when the phase does not change."""
    if current not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, got {current!r}")
    if enabled_on is None:
        return current, None
    days_on = (day - enabled_on).days
    phase, reason = current, None
    if (
        phase == "bootstrap"
        and days_on >= BOOTSTRAP_DAYS
        and scored_posts >= LEARNING_MIN_SCORED_POSTS
    ):
        phase = "learning"
        reason = (
            f"{days_on} days on and {scored_posts} scored posts: enough data to compare options"
        )
    if phase == "learning" and days_on >= OPTIMIZING_AFTER_DAYS:
        phase = "optimizing"
        reason = f"{days_on} days on: a rich history per brand; optimizing winners, still testing"
    return phase, reason
