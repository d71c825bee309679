"""The drift rule of seed section 9.2: 14 days vs the 14 before, 0.8x and 1.2x, held 7 days."""

import datetime as dt

import pytest

from toby_pipelines.baselines.drift import active_drift, drift_on

DAY = dt.date(2026, 6, 30)


def history(previous: float, recent: float):
    return [(DAY - dt.timedelta(days=d), recent if d < 14 else previous) for d in range(28)]


@pytest.mark.parametrize(
    ("previous", "recent", "action", "ratio"),
    [(60, 45, "explore_more", 0.5), (50, 65, "exploit_more", 0.2)],
)
def test_drift_decisions(previous, recent, action, ratio):
    decision = drift_on(history(previous, recent), DAY)
    assert (decision.action, decision.explore_ratio) == (action, ratio)
    assert decision.until == DAY + dt.timedelta(days=7)
    assert "0.8x" in decision.reason or "1.2x" in decision.reason


@pytest.mark.parametrize("recent", [48.1, 50, 59.9])
def test_within_band_no_drift(recent):
    assert drift_on(history(50, recent), DAY) is None


def test_no_previous_window_no_drift():
    assert drift_on([(DAY, 10.0)], DAY) is None


def test_decision_holds_for_seven_days_then_lapses():
    scores = history(60, 40)
    assert active_drift(scores, DAY + dt.timedelta(days=6)).detected_on <= DAY + dt.timedelta(
        days=6
    )
    # 20 days on, both windows are past the drop: no active decision from this history.
    late = [(d, s) for d, s in scores] + [(DAY + dt.timedelta(days=k), 40.0) for k in range(1, 21)]
    assert active_drift(late, DAY + dt.timedelta(days=20)) is None
