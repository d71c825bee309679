"""Learning reads the next batch of users while it learns this one (`read_ahead`), on a real
database, SQLite file and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import closing

import pytest

from tests.world import START, build_world
from toby_pipelines.loop import learn
from toby_pipelines.loop.read_ahead import read_ahead

WAIT_S = 10.0


def test_the_next_users_horizon_is_read_while_this_user_learns(database, monkeypatch):
    """u1's learning waits until u2's horizon is being read: read in line (read, learn, read)
    u2's read would start only after u1's learning, which waits for it in vain."""
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    monkeypatch.setattr(learn, "USERS_PER_LEARNING_READ", 1)
    u2_read = threading.Event()
    seen: dict[str, bool] = {}
    real_read, real_learn = learn._scores_by_user, learn._learn_user

    def read(database, users, day):
        if "u2" in users:
            u2_read.set()
        return real_read(database, users, day)

    def learn_user(user_id, *args):
        if user_id == "u1":
            seen["u2 read while u1 learned"] = u2_read.wait(WAIT_S)
        return real_learn(user_id, *args)

    monkeypatch.setattr(learn, "_scores_by_user", read)
    monkeypatch.setattr(learn, "_learn_user", learn_user)
    day = START.date() - dt.timedelta(days=1)
    summary = learn.compute_posteriors(database, day, START)
    assert seen == {"u2 read while u1 learned": True}
    assert summary.failed == []
    assert {brand for brand, _ in _brands_learned(summary)} == {"u1-b0", "u2-b0"}


def _brands_learned(summary) -> set[tuple[str, str]]:
    return {(item.brand_id, item.content_type) for _, item in summary.posteriors}


def test_batches_come_in_order_with_one_read_at_most_ahead():
    started: list[int] = []
    next_started = threading.Event()

    def read(batch: int) -> str:
        started.append(batch)
        if batch == 1:
            next_started.set()
        return f"rows of {batch}"

    seen = []
    for batch, rows in read_ahead(range(4), read):
        if batch == 0:
            # Batch 1 is read while the caller works on batch 0, and nothing further.
            assert next_started.wait(WAIT_S)
            assert started == [0, 1]
        assert max(started) <= batch + 1
        seen.append((batch, rows))
    assert seen == [(b, f"rows of {b}") for b in range(4)]
    assert list(read_ahead([], read)) == []


def test_a_failed_read_is_raised_at_its_batch_after_the_batches_before_it():
    def read(batch: int) -> int:
        if batch == 2:
            raise RuntimeError("the database went away")
        return batch

    seen = []
    with pytest.raises(RuntimeError, match="went away"):
        for batch, _ in read_ahead(range(5), read):
            seen.append(batch)
    assert seen == [0, 1]


def test_a_caller_that_stops_early_leaves_no_read_running():
    release, reading_1 = threading.Event(), threading.Event()
    started: list[int] = []
    finished: list[int] = []

    def read(batch: int) -> int:
        started.append(batch)
        if batch == 1:
            reading_1.set()
            release.wait(WAIT_S)
        finished.append(batch)
        return batch

    with pytest.raises(ValueError), closing(read_ahead(range(5), read)) as batches:
        for batch, _ in batches:
            # The caller fails while batch 1 is being read (a read still queued would simply
            # never start: cancelled).
            assert reading_1.wait(WAIT_S)
            threading.Timer(0.2, release.set).start()
            raise ValueError(f"the caller failed on batch {batch}")
    # Closing waited for the read in progress; no read started after it.
    assert started == finished == [0, 1]


def test_a_single_batch_is_read_in_the_callers_thread():
    readers = []

    def read(batch: int) -> int:
        readers.append(threading.current_thread())
        return batch

    assert list(read_ahead([7], read)) == [(7, 7)]
    assert readers == [threading.current_thread()]
