"""Time decay of evidence: old scores count less, so an option's posterior follows its audience.

Decay acts on the weighted sufficient statistics (W, sum w x, sum w x^2), each multiplied by
exp(-rate * days). Multiplying the running totals by exp(-rate) once a day is exactly the same as
weighting every score by exp(-rate * its age), which is how the posteriors are computed. The
prior is never decayed: an option nobody has tried for months relaxes back to it.
"""

from __future__ import annotations

import math

from toby_pipelines.strategy.normal_gamma import Evidence

# A score loses half its weight in this many days. Long enough that a stationary audience is
# not forgotten within a season; abrupt changes are the change detector's job.
HALF_LIFE_DAYS = 60.0
DECAY_RATE = math.log(2) / HALF_LIFE_DAYS


def decay_factor(age_days: float, rate: float | None = None) -> float:
    """exp(-rate * age); the rate is DECAY_RATE as the module holds it when called (the learning
    benchmark's `--set half_life_days=...` tries other values)."""
    if age_days < 0:
        raise ValueError(f"age must be non-negative, got {age_days} days")
    return math.exp(-(DECAY_RATE if rate is None else rate) * age_days)


def decay(evidence: Evidence, days: float, rate: float | None = None) -> Evidence:
    """Evidence as it stands `days` later with no new scores."""
    return evidence.scaled_by(decay_factor(days, rate))
