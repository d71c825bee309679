"""How a post's 7-day totals accumulate over its age on the simulated platform.

revealed(age) = (1 - exp(-age / 36h)) / (1 - exp(-168h / 36h)), and 1 from 7 days on:
about 15% of the final totals at 6h, 49% at 24h, 74% at 48h, 87% at 72h, 100% at 7 days.
"""

from __future__ import annotations

import math

TIME_CONSTANT_HOURS = 36.0
FINAL_AGE_HOURS = 168.0
NORMALIZER = 1.0 - math.exp(-FINAL_AGE_HOURS / TIME_CONSTANT_HOURS)


def revealed_fraction(age_hours: float) -> float:
    if age_hours <= 0:
        return 0.0
    if age_hours >= FINAL_AGE_HOURS:
        return 1.0
    return (1.0 - math.exp(-age_hours / TIME_CONSTANT_HOURS)) / NORMALIZER


def reveal(final_value: object, age_hours: float) -> object:
    """The cumulative value at an age; values that are not counts pass through untouched."""
    if isinstance(final_value, bool) or not isinstance(final_value, int | float):
        return final_value
    return math.floor(final_value * revealed_fraction(age_hours))
