"""Experiment turns count posts in SQL, one row per option: the same counts as counting every
post since each experiment started in Python, on a database the real jobs wrote."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.storage.database import utc
from toby_pipelines.storage.experiments import experiments_as_of, planned_counts
from toby_pipelines.strategy.dimensions import DIMENSIONS
from toby_pipelines.strategy.experiments import count_planned


def test_counts_in_sql_equal_counting_every_post(database, database_url):
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 3)
    day = (START + dt.timedelta(days=3)).date()
    with database.engine.connect() as connection:
        experiments = experiments_as_of(connection, day)
        in_sql = planned_counts(connection, day)
        expected = _counted_in_python(connection, experiments)
    assert in_sql == expected
    assert sum(sum(c.values()) for c in in_sql.values()) > 20


def test_an_experiment_retested_counts_only_its_newest_run(database, database_url):
    """An inconclusive run is replaced by a retest and stays in the table as it was (active,
    never completed): turns count the posts of the newest run only, once, as `count_planned`
    does, not the posts of every run since the oldest began."""
    from dataclasses import replace

    from toby_pipelines.storage.experiments import save_experiments

    build_world(database, users=("u1",), brands_per_user=1)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 3)
    day = (START + dt.timedelta(days=3)).date()
    retest_on = (START + dt.timedelta(days=2)).date()
    with database.transaction() as connection:
        before = experiments_as_of(connection, day)
        assert all(e.started_on < retest_on for e in before.values())
        retests = [
            replace(e, started_on=retest_on, status="active", winner=None, completed_on=None)
            for e in before.values()
        ]
        save_experiments(connection, {"u1-b0": "u1"}, retests, day)
    with database.engine.connect() as connection:
        experiments = experiments_as_of(connection, day)
        in_sql = planned_counts(connection, day)
        expected = _counted_in_python(connection, experiments)
    assert {e.started_on for e in experiments.values()} == {retest_on}
    assert in_sql == expected
    assert sum(sum(c.values()) for c in in_sql.values()) > 5


def _counted_in_python(connection, experiments) -> dict:
    """`count_planned` of every post of the database, per brand and content type."""
    posts = connection.execute(
        sa.text(
            "SELECT p.brand_id, p.content_type, p.slot_at, "
            + ", ".join(f"t.{d}" for d in DIMENSIONS)
            + " FROM scheduled_posts p JOIN toby_content_tags t ON t.post_id = p.id"
        )
    ).all()
    by_key: dict[tuple[str, str], list] = {}
    for r in posts:
        by_key.setdefault((r.brand_id, r.content_type), []).append(
            (utc(r.slot_at).date(), dict(zip(DIMENSIONS, r[3:], strict=True)))
        )
    expected: dict = {}
    for key, planned in by_key.items():
        expected.update(
            count_planned([e for e in experiments.values() if e.key[:2] == key], planned)
        )
    return {key: counts for key, counts in expected.items() if counts}
