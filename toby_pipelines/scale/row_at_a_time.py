"""The daily chain's approach before issue 11, kept only as the benchmark's comparison.

Swapped in for one child process by `row_at_a_time()`: the simulated platform answers each
snapshot with its own queries (no prefetch) and its follower count reads every post the account
ever published and reveals each in Python; capture failures are cleared one row at a time;
scoring and baselines read every snapshot and final score of their windows and sum them in
Python, scoring filters all of the day's snapshots once per user, baselines filter every
brand's rows once per brand; every stage reads all users' rows at once; leader
changes learn yesterday's posteriors again; each user's results are written in a transaction of
their own; Python's cycle collector runs throughout.
Everything else is the code as it is now, so the ratio measures those choices.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from toby_pipelines.baselines.drift import LOOKBACK_DAYS, daily_totals
from toby_pipelines.baselines.rolling import WINDOW_DAYS, average_views, window_start
from toby_pipelines.defs.scoring import assets as scoring_assets
from toby_pipelines.loop import baseline, cycle_collection, learn, measure, score
from toby_pipelines.loop.days import days_back
from toby_pipelines.loop.isolation import write_together as _write_together
from toby_pipelines.metrics.checkpoints import SCORED_CHECKPOINTS
from toby_pipelines.platforms.growth_curve import reveal
from toby_pipelines.platforms.simulated import SimulatedPlatform, UnknownMedia
from toby_pipelines.sharding.shards import ALL_USERS
from toby_pipelines.storage.database import utc
from toby_pipelines.storage.scores import final_scores_between


def _followers_from_all_history(self, connection, account_handle: str, as_of: dt.datetime) -> int:
    base = connection.execute(
        sa.text("SELECT base_followers FROM sim_platform_accounts WHERE account_handle = :h"),
        {"h": account_handle},
    ).scalar()
    if base is None:
        raise UnknownMedia(f"the simulated platform has no account {account_handle!r}")
    rows = connection.execute(
        sa.text(
            "SELECT published_at, final_follows FROM sim_platform_media"
            " WHERE account_handle = :h AND published_at <= :as_of AND final_follows > 0"
        ),
        {"h": account_handle, "as_of": as_of},
    )
    gained = 0
    for row in rows:
        age_hours = (as_of - utc(row.published_at)).total_seconds() / 3600
        gained += reveal(int(row.final_follows), age_hours)  # type: ignore[operator]
    return int(base) + gained


def _history_row_by_row(database, users, day):
    # Every snapshot and final score of the windows read row by row and summed in Python.
    with database.engine.connect() as connection:
        snapshots = _SNAPSHOTS_BETWEEN(
            connection, window_start(day, WINDOW_DAYS), day, SCORED_CHECKPOINTS, users
        )
        finals = final_scores_between(connection, days_back(day, LOOKBACK_DAYS - 1), day, users)
    views = average_views(_summed_in_python(snapshots, window_start(day, WINDOW_DAYS), day))
    captures = [(s.brand_id, s.content_type, s.day, s.followers_at_capture) for s in snapshots]
    return views, captures, finals


def _user_baselines_filtering_all(brands, slots, captures, finals, views, day):
    # Everyone's rows in one list each, filtered again for every brand, as before.
    followers: dict = {}
    regrouped_finals: dict = {}
    for brand in brands:
        for content_type in slots.get(brand.id, {}):
            key = (brand.id, content_type)
            regrouped_finals[key] = daily_totals(
                (d, s) for b, c, d, s in finals if b == brand.id and c == content_type
            )
            mine = [(d, f) for b, c, d, f in captures if b == brand.id and c == content_type]
            if mine:
                followers[key] = max(mine)[1]
    return _USER_BASELINES(brands, slots, followers, regrouped_finals, views, day)


def _summed_in_python(snapshots, first_day, last_day) -> dict:
    totals: dict = {}
    for snap in snapshots:
        if snap.views is not None and first_day <= snap.day <= last_day:
            key = (snap.brand_id, snap.content_type, snap.checkpoint)
            total, count = totals.get(key, (0, 0))
            totals[key] = (total + snap.views, count + 1)
    return totals


def _view_totals_from_every_snapshot(connection, first_day, last_day, checkpoints, users=None):
    found = _SNAPSHOTS_BETWEEN(connection, first_day, last_day, checkpoints, users)
    return _summed_in_python(found, first_day, last_day)


def _score_filtering_all(database, day, now, shard=ALL_USERS):
    original = score._score_user

    def per_user(mine, baseline_views, scored_day):
        # Each user's snapshots found by scanning everyone's, as before.
        everyone = _ALL_TODAYS[0]
        user = mine[0].user_id if mine else None
        filtered = [snap for snap in everyone if snap.user_id == user]
        return original(filtered, baseline_views, scored_day)

    score._score_user = per_user
    try:
        return _SCORE_DAY(database, day, now, shard)
    finally:
        score._score_user = original


_ALL_TODAYS: list = [[]]
_USER_BASELINES = baseline._user_baselines
_SCORE_DAY = score.score_day


def _snapshots_between_keeping_all(connection, first_day, last_day, checkpoints, users=None):
    found = _SNAPSHOTS_BETWEEN(connection, first_day, last_day, checkpoints, users)
    _ALL_TODAYS[0] = [snap for snap in found if snap.day == last_day]
    return found


_SNAPSHOTS_BETWEEN = score.snapshots_between


def _no_prefetch(self, media_ids, accounts, start, end) -> None:
    return None


def _clear_one_at_a_time(connection, keys) -> None:
    for post_id, checkpoint in keys:
        connection.execute(
            sa.text("DELETE FROM capture_failures WHERE post_id = :p AND checkpoint = :c"),
            {"p": post_id, "c": checkpoint},
        )


class _CollectorLeftRunning:
    """`gc` as `cycle_collection` sees it, with pausing a no-op: the collector ran throughout."""

    isenabled = staticmethod(gc.isenabled)
    enable = staticmethod(gc.enable)

    @staticmethod
    def disable() -> None:
        pass


def _no_stored_leaders(connection, users=()) -> dict:
    return {}


def _one_transaction_each(database, units, write, user_of, failed):
    written = []
    for unit in units:
        written.extend(_write_together(database, [unit], write, user_of, failed))
    return written


def _one_batch(users, size=0):
    # Everyone's rows read at once, as before batching.
    yield list(users)


@contextmanager
def row_at_a_time() -> Iterator[None]:
    swaps = [
        (SimulatedPlatform, "prefetch", _no_prefetch),
        (measure, "clear_capture_failures", _clear_one_at_a_time),
        (cycle_collection, "gc", _CollectorLeftRunning),
        (learn, "stored_leaders", _no_stored_leaders),
        (learn, "USERS_PER_LEARNING_READ", 10**9),
        (measure, "USERS_PER_CAPTURE", 10**9),
        (learn, "write_together", _one_transaction_each),
        (score, "write_together", _one_transaction_each),
        (baseline, "write_together", _one_transaction_each),
        (score, "user_batches", _one_batch),
        (baseline, "user_batches", _one_batch),
        (SimulatedPlatform, "_followers", _followers_from_all_history),
        (baseline, "_history", _history_row_by_row),
        (baseline, "_user_baselines", _user_baselines_filtering_all),
        (score, "view_totals_between", _view_totals_from_every_snapshot),
        (score, "snapshots_between", _snapshots_between_keeping_all),
        (scoring_assets, "score_day", _score_filtering_all),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in swaps]
    for owner, name, replacement in swaps:
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
