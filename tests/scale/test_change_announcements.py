"""The day's learning announces the audience changes found in recent posts, not every change its
90-day replay finds again.

Every day the change detector replays each stream's horizon and finds again the changes of the
weeks before; writing an activity line for each of them every day (deduplicated only in the
database) made the log's work grow with the horizon: 18,000 lines a day for 334 users at 1,000
brands. A change is announced while its alarm's final score can still be arriving.
"""

from __future__ import annotations

import datetime as dt

from toby_pipelines.loop.learn import ANNOUNCED_WITHIN, PosteriorSummary, _log_lines
from toby_pipelines.strategy.change_detection import ChangePoint

DAY = dt.date(2026, 7, 1)
NOW = dt.datetime(2026, 7, 2, tzinfo=dt.UTC)


def _change(detected_days_ago: int, option: str | None = None) -> ChangePoint:
    detected = DAY - dt.timedelta(days=detected_days_ago)
    return ChangePoint(
        "b1", "reel", detected - dt.timedelta(days=5), detected, -9.0 if option is None else 9.0,
        dimension=None if option is None else "hook_strategy", option=option,
    )  # fmt: skip


def _announced(changes: list[ChangePoint]) -> list[str]:
    summary = PosteriorSummary(DAY, [], [], {"b1": "Brand"}, changes=changes)
    return [line["dedupe_key"] for line in _log_lines(summary, [], {"b1": "u1"}, NOW)]


def test_changes_whose_alarm_is_recent_are_announced_older_ones_not_again():
    window = ANNOUNCED_WITHIN.days
    recent = [_change(0), _change(window, option="question")]
    old = [_change(window + 1), _change(80, option="question")]
    keys = _announced([*old, *recent])
    assert len(keys) == 2
    assert keys == _announced(recent)


def test_a_change_is_announced_for_as_long_as_its_final_score_may_arrive():
    """The alarm's post is scored final at 7 days, captured up to 3 days late; a week more of
    days whose learning failed and is retried."""
    assert len(_announced([_change(7 + 3 + 7, option="question")])) == 1
