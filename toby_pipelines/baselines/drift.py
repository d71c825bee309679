"""Baseline drift (seed 000 section 9.2): the last 14 days of scores against the 14 before.

Below 0.8x, the audience or algorithm may have changed: explore at 0.5 for 7 days. Above 1.2x,
the strategy is working: exploit, exploring at 0.2 for 7 days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DROP_RATIO = 0.8
SURGE_RATIO = 1.2
DROP_EXPLORE_RATIO = 0.5
SURGE_EXPLORE_RATIO = 0.2
DRIFT_DAYS = 7
WINDOW_DAYS = 14
# Days of scores a baseline for day D needs: a 7-day look-back of two 14-day windows.
LOOKBACK_DAYS = DRIFT_DAYS - 1 + 2 * WINDOW_DAYS


@dataclass(frozen=True)
class DriftDecision:
    action: str  # "explore_more" | "exploit_more"
    explore_ratio: float
    detected_on: dt.date
    until: dt.date
    recent_avg: float
    previous_avg: float
    reason: str


# {day: (sum of the day's final scores, how many)}: all the rule reads of a day's scores.
DailyTotals = Mapping[dt.date, tuple[float, int]]


def daily_totals(scores: Iterable[tuple[dt.date, float]]) -> dict[dt.date, tuple[float, int]]:
    totals: dict[dt.date, tuple[float, int]] = {}
    for day, score in scores:
        total, count = totals.get(day, (0.0, 0))
        totals[day] = (total + score, count + 1)
    return totals


def window_means(daily: DailyTotals, as_of: dt.date) -> tuple[float | None, float | None]:
    """Mean score of the 14 days ending `as_of` and of the 14 days before them."""
    recent, previous = [0.0, 0], [0.0, 0]
    for day, (total, count) in daily.items():
        age = (as_of - day).days
        if 0 <= age < WINDOW_DAYS:
            window = recent
        elif WINDOW_DAYS <= age < 2 * WINDOW_DAYS:
            window = previous
        else:
            continue
        window[0] += total
        window[1] += count
    return _mean(recent), _mean(previous)


def _mean(window: list) -> float | None:
    total, count = window
    return total / count if count else None


def drift_on(scores: Iterable[tuple[dt.date, float]], day: dt.date) -> DriftDecision | None:
    return drift_from_totals(daily_totals(scores), day)


def drift_from_totals(daily: DailyTotals, day: dt.date) -> DriftDecision | None:
    recent, previous = window_means(daily, day)
    if recent is None or previous is None or previous <= 0:
        return None
    ratio = recent / previous
    until = day + dt.timedelta(days=DRIFT_DAYS)
    if ratio < DROP_RATIO:
        return DriftDecision(
            "explore_more",
            DROP_EXPLORE_RATIO,
            day,
            until,
            recent,
            previous,
            f"last 14 days averaged {recent:.1f} vs {previous:.1f} before ({ratio:.2f}x < 0.8x): "
            f"exploring at {DROP_EXPLORE_RATIO:.0%} until {until}",
        )
    if ratio > SURGE_RATIO:
        return DriftDecision(
            "exploit_more",
            SURGE_EXPLORE_RATIO,
            day,
            until,
            recent,
            previous,
            f"last 14 days averaged {recent:.1f} vs {previous:.1f} before ({ratio:.2f}x > 1.2x): "
            f"exploring at {SURGE_EXPLORE_RATIO:.0%} until {until}",
        )
    return None


def active_drift(scores: Iterable[tuple[dt.date, float]], as_of: dt.date) -> DriftDecision | None:
    return active_drift_from_totals(daily_totals(scores), as_of)


def active_drift_from_totals(daily: DailyTotals, as_of: dt.date) -> DriftDecision | None:
    """The drift decision in force on `as_of`: the latest one detected in the last 7 days."""
    for back in range(DRIFT_DAYS):
        decision = drift_from_totals(daily, as_of - dt.timedelta(days=back))
        if decision is not None:
            return decision
    return None
