"""The learning asset carries each brand's change detector from day to day (issue 11).

Through the real jobs on a real database (SQLite file and PostgreSQL): day after day the stored
detector of each brand and content type must be the one a replay of all its final scores, in the
order they arrived, leaves; the last few days only are kept; a re-run of the newest day goes on
from the day before it and stores the same; a backfill of an older day, whose day-before state
is no longer kept, starts its detectors again from the horizon and leaves the newest alone.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.world import START, registered_world, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.storage.detector_states import KEPT_DAYS
from toby_pipelines.storage.scores import scored_posts_between
from toby_pipelines.strategy.carried_detection import state_from_json, state_to_json
from toby_pipelines.strategy.change_detection import (
    WARMUP_POSTS,
    DetectorState,
    continue_detection,
)
from toby_pipelines.strategy.evidence import PUBLISHING_ORDER

DEFS = load_defs()
LEARN = DEFS.resolve_job_def("learning_job")
DAYS = 18


@pytest.fixture
def world(database, database_url):
    registered_world(database, database_url, users=("u1", "u2"), brands_per_user=2)
    return database


def _stored(database, day):
    with database.engine.connect() as connection:
        return {
            (r.brand_id, r.content_type): r.state
            for r in connection.execute(
                sa.text(
                    "SELECT brand_id, content_type, state FROM toby_detector_states"
                    " WHERE as_of_date = :d"
                ),
                {"d": day},
            )
        }


def _replayed(database, last):
    """Each stream's detector fed every final score so far, in the order they arrived (by the
    day they were scored, then in publishing order)."""
    with database.engine.connect() as connection:
        scored = scored_posts_between(connection, START.date(), last)
    finals: dict[tuple[str, str], list] = {}
    for _, scored_on, post in scored:
        if post.phase == "7d":
            finals.setdefault((post.brand_id, post.content_type), []).append((scored_on, post))
    replayed = {}
    for key, posts in finals.items():
        state = DetectorState()
        ordered = sorted(posts, key=lambda pair: (pair[0], PUBLISHING_ORDER(pair[1])))
        continue_detection(state, [post for _, post in ordered])
        replayed[key] = state
    return replayed


def _metadata(instance) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey("strategy_posteriors"))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_each_days_detector_goes_on_from_the_day_before(world, database_url):
    instance = run_days(DEFS, database_url, DAYS)
    with world.engine.connect() as connection:
        days = [
            r[0]
            for r in connection.execute(
                sa.text("SELECT DISTINCT as_of_date FROM toby_detector_states ORDER BY 1")
            )
        ]
    assert 1 < len(days) <= KEPT_DAYS
    last = dt.date.fromisoformat(str(days[-1])[:10])
    stored = _stored(world, last)
    replayed = _replayed(world, last)
    assert set(stored) == {(f"{u}-b{i}", t) for u in ("u1", "u2") for i in (0, 1)
                           for t in ("reel", "carousel")}  # fmt: skip
    judged = 0
    for key, text in stored.items():
        state = state_from_json(text, *key)
        expected = replayed.get(key, DetectorState())
        assert state_to_json(state) == state_to_json(expected), key
        judged += state.brand[0] >= WARMUP_POSTS
    assert judged >= 4  # the detectors were past their warm-up, judging posts
    metadata = _metadata(instance)
    assert metadata["detectors_carried"] == len(stored)
    assert metadata["detectors_started_again"] == 0

    # The newest day again: it goes on from the day before and stores the same.
    later = START + dt.timedelta(days=DAYS + 1)
    LEARN.execute_in_process(
        resources=resources_for(database_url, later),
        instance=instance,
        partition_key=last.isoformat(),
    )
    assert _stored(world, last) == stored
    assert _metadata(instance)["detectors_carried"] == len(stored)

    # An older day, whose day before is no longer kept: started again, the newest left alone.
    older = last - dt.timedelta(days=KEPT_DAYS + 2)
    LEARN.execute_in_process(
        resources=resources_for(database_url, later),
        instance=instance,
        partition_key=older.isoformat(),
    )
    assert _metadata(instance)["detectors_started_again"] == len(stored)
    assert _stored(world, last) == stored
