"""Feature flags (spec 11.4), per user, honoured by every asset: u1 switches one off, u2 keeps
everything on and must not notice."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.features import checked_features
from toby_pipelines.storage.toby_state import set_features, toby_settings

DEFS = load_defs()
TICK = DEFS.resolve_job_def("toby_tick_job")


@pytest.fixture
def world(database, database_url):
    build_world(database, users=("u1", "u2"))
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    return database


def turn_off(database, flag):
    with database.transaction() as connection:
        set_features(connection, "u1", {flag: False}, START)


def rows(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def per_user(database, sql):
    return dict(rows(database, sql))


def tick(url, at):
    return TICK.execute_in_process(
        resources=resources_for(url, at), instance=dg.DagsterInstance.ephemeral()
    )


def test_flags_are_on_until_turned_off_and_a_bad_one_is_named(world):
    with world.engine.connect() as connection:
        assert all(s.allows("auto_publish") for s in toby_settings(connection))
    with pytest.raises(ValueError, match=r"features\.autopublish"):
        checked_features({"autopublish": False})
    with pytest.raises(ValueError, match=r"features\.discovery must be true or false"):
        checked_features({"discovery": "no"})
    turn_off(world, "auto_publish")
    with world.engine.connect() as connection:
        settings = {s.user_id: s for s in toby_settings(connection)}
    assert not settings["u1"].allows("auto_publish") and settings["u2"].allows("auto_publish")
    logged = rows(world, "SELECT description FROM toby_activity_log WHERE action_type = :a",
                  a="features_changed")  # fmt: skip
    assert logged == [("Feature flags changed: auto_publish off",)]


def test_content_generation_off_plans_nothing_for_that_user(world, database_url):
    turn_off(world, "content_generation")
    tick(database_url, START)
    planned = per_user(world, "SELECT user_id, COUNT(*) FROM scheduled_posts GROUP BY user_id")
    assert planned == {"u2": 12}


def test_auto_publish_off_holds_that_users_posts_and_skips_them_when_overdue(world, database_url):
    tick(database_url, START)
    turn_off(world, "auto_publish")
    tick(database_url, START + dt.timedelta(hours=9))
    published = per_user(
        world,
        "SELECT user_id, COUNT(*) FROM scheduled_posts WHERE status = 'published' GROUP BY user_id",
    )
    assert published == {"u2": 2}
    tick(database_url, START + dt.timedelta(hours=12))  # 09:00 is 3 h overdue now
    errors = rows(world, "SELECT error FROM scheduled_posts WHERE user_id = 'u1' AND"
                         " status = 'failed'")  # fmt: skip
    assert len(errors) == 2 and all("auto publish is off" in e for (e,) in errors)


def test_experiments_off_gives_no_experiment_turns(world, database_url):
    turn_off(world, "experiments")
    run_days(DEFS, database_url, 4)  # learning starts experiments; the planner serves them
    experiments = per_user(
        world,
        "SELECT user_id, SUM(CASE WHEN is_experiment THEN 1 ELSE 0 END) FROM toby_content_tags"
        " GROUP BY user_id",
    )
    assert experiments["u1"] == 0 and experiments["u2"] > 0


def test_cross_brand_learning_off_borrows_nothing(world, database_url):
    turn_off(world, "cross_brand_learning")
    run_days(DEFS, database_url, 8)
    sources = rows(
        world,
        "SELECT user_id, COUNT(*) FROM toby_strategy_scores WHERE prior_source = 'cross_brand'"
        " GROUP BY user_id",
    )
    assert dict(sources).get("u1", 0) == 0 and dict(sources)["u2"] > 0


def test_unreadable_flags_stop_only_their_user(world, database_url):
    with world.transaction() as connection:
        connection.execute(
            sa.text("UPDATE toby_state SET features = 'not json' WHERE user_id = 'u1'")
        )
    tick(database_url, START)
    planned = per_user(world, "SELECT user_id, COUNT(*) FROM scheduled_posts GROUP BY user_id")
    assert planned == {"u2": 12}
