"""The stages that turn many rows into objects run with Python's cycle collector paused, and
leave it as they found it, also when they fail."""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.loop import learn, score
from toby_pipelines.loop.cycle_collection import cycle_collection_paused


def test_the_collector_is_paused_inside_and_running_again_after_even_on_failure():
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
        with cycle_collection_paused():  # nested: the outer one decides
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        raise RuntimeError("a stage fails")
    assert gc.isenabled()


def test_a_collector_someone_else_paused_stays_paused():
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_learning_and_scoring_run_with_the_collector_paused(database, database_url, monkeypatch):
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 9)
    day = (START + dt.timedelta(days=8)).date()
    now = START + dt.timedelta(days=9)
    seen: list[bool] = []

    def recording(original):
        def wrapper(*args, **kwargs):
            seen.append(gc.isenabled())
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(learn, "_learn_user", recording(learn._learn_user))
    monkeypatch.setattr(score, "_score_user", recording(score._score_user))
    score.score_day(database, day, now)
    learn.compute_posteriors(database, day, now)
    assert len(seen) >= 4 and not any(seen)
    assert gc.isenabled()
