"""The experiments standing on a day: each brand, content type and dimension's newest run started
by then, read in SQL one row per key (not every run since Toby began, parsed and dropped in
Python: that grew with every month of retests, on every tick), of some users only when asked."""

from __future__ import annotations

import datetime as dt

from tests.world import build_world
from toby_pipelines.storage.experiments import experiments_as_of, save_experiments
from toby_pipelines.strategy.experiments import Experiment, OptionResult

D0 = dt.date(2026, 3, 1)


def _run(brand: str, dimension: str, started: int, completed: int | None, winner="a"):
    return Experiment(
        brand, "reel", dimension, ("a", "b"), D0 + dt.timedelta(days=started),
        status="completed" if completed is not None else "active",
        winner=winner if completed is not None else None,
        completed_on=D0 + dt.timedelta(days=completed) if completed is not None else None,
        results={"a": OptionResult(3, 50.0, 51.0, 0.9), "b": OptionResult(3, 40.0, 41.0, 0.1)},
    )  # fmt: skip


def test_the_newest_run_of_each_key_as_it_stood_on_the_day(database):
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    owners = {"u1-b0": "u1", "u2-b0": "u2"}
    runs = [
        _run("u1-b0", "hook_strategy", 0, 10),
        _run("u1-b0", "hook_strategy", 40, 55, winner="b"),  # a retest after 30 days
        _run("u1-b0", "hook_strategy", 85, None),  # and another
        _run("u1-b0", "personality", 0, 70),
        _run("u2-b0", "hook_strategy", 20, None),
    ]
    with database.transaction() as connection:
        save_experiments(connection, owners, runs, D0 + dt.timedelta(days=90))
    with database.engine.connect() as connection:
        on_50 = experiments_as_of(connection, D0 + dt.timedelta(days=50))
        on_90 = experiments_as_of(connection, D0 + dt.timedelta(days=90))
        u1_only = experiments_as_of(connection, D0 + dt.timedelta(days=90), ["u1"])
        nobody = experiments_as_of(connection, D0 + dt.timedelta(days=90), [])
    # On day 50 the second run had started and not yet completed: active, no winner.
    second = on_50[("u1-b0", "reel", "hook_strategy")]
    assert (second.started_on, second.status, second.winner) == (runs[1].started_on, "active", None)
    assert second.results == runs[1].results
    assert on_50[("u1-b0", "reel", "personality")].status == "active"  # completes on day 70
    assert on_90[("u1-b0", "reel", "hook_strategy")] == runs[2]
    assert on_90[("u1-b0", "reel", "personality")] == runs[3]
    assert on_90[("u2-b0", "reel", "hook_strategy")] == runs[4]
    assert len(on_90) == 3
    assert u1_only == {k: e for k, e in on_90.items() if k[0] == "u1-b0"}
    assert nobody == {}


def test_an_owner_sees_a_retested_run_as_replaced_not_active(database):
    """A run a retest replaced stays in the table as it was; the owner's views show it replaced,
    and `toby status` counts only the runs that stand as active experiments."""
    from toby_pipelines.control.views import status_view
    from toby_pipelines.storage.owner_views import experiments_of

    build_world(database, users=("u1",), brands_per_user=1)
    runs = [
        _run("u1-b0", "hook_strategy", 0, None),  # inconclusive, replaced by the retest below
        _run("u1-b0", "hook_strategy", 30, None),
        _run("u1-b0", "personality", 0, None),
    ]
    with database.transaction() as connection:
        save_experiments(connection, {"u1-b0": "u1"}, runs, D0 + dt.timedelta(days=31))
    with database.engine.connect() as connection:
        shown = experiments_of(connection, "u1")
        status = status_view(connection, "u1", dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    by_start = {(e["dimension"], e["started_on"]): e["status"] for e in shown}
    assert by_start == {
        ("hook_strategy", str(runs[1].started_on)): "active",
        ("hook_strategy", str(runs[0].started_on)): "replaced",
        ("personality", str(runs[2].started_on)): "active",
    }
    assert status["active_experiments"] == 2


def test_a_later_day_updates_a_run_and_an_older_day_never_rolls_it_back(database):
    """The day's experiments are merged in one statement (COPY on PostgreSQL): the newer day's
    results replace a run's, a re-run of an older day leaves them, and results whose
    probability is not known yet (NaN) come back as they went in."""
    build_world(database, users=("u1",), brands_per_user=1)
    owners = {"u1-b0": "u1"}
    day = D0 + dt.timedelta(days=5)
    started = _run("u1-b0", "hook_strategy", 0, None)
    unsampled = Experiment(
        "u1-b0", "reel", "title_format", ("a", "b"), D0, status="active",
        results={"a": OptionResult(0, float("nan"), float("nan"), float("nan"))},
    )  # fmt: skip
    done = _run("u1-b0", "hook_strategy", 0, 5, winner="b")
    with database.transaction() as connection:
        save_experiments(connection, owners, [started, unsampled], day - dt.timedelta(days=1))
    with database.transaction() as connection:
        save_experiments(connection, owners, [done], day)
    with database.transaction() as connection:  # yesterday's partition, re-run
        save_experiments(connection, owners, [started], day - dt.timedelta(days=1))
    with database.engine.connect() as connection:
        stored = experiments_as_of(connection, day)
    assert stored[("u1-b0", "reel", "hook_strategy")] == done
    back = stored[("u1-b0", "reel", "title_format")]
    assert back.status == "active" and back.results["a"].count == 0
    assert all(v != v for v in (back.results["a"].avg_score, back.results["a"].prob_best))
