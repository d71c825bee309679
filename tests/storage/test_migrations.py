"""Migrations apply once, are recorded, and the constraints do real work on both databases."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.world import START, build_world
from toby_pipelines.storage.migrations import migration_files


def test_migrations_recorded_and_idempotent(database):
    with database.engine.connect() as connection:
        versions = [
            r[0] for r in connection.execute(sa.text("SELECT version FROM schema_migrations"))
        ]
    assert versions == [p.name[:4] for p in migration_files()]
    assert database.migrate() == []


def _insert_post(connection, post_id, slot_at):
    connection.execute(
        sa.text(
            "INSERT INTO scheduled_posts (id, user_id, brand_id, platform, content_type, slot_at,"
            " created_at, updated_at) VALUES (:id, 'u1', 'u1-b0', 'instagram', 'reel', :slot, :now, :now)"
        ),
        {"id": post_id, "slot": slot_at, "now": START},
    )


def test_a_slot_holds_one_post(database):
    build_world(database)
    slot = START + dt.timedelta(hours=9)
    with database.transaction() as connection:
        _insert_post(connection, "p1", slot)
    with pytest.raises(sa.exc.IntegrityError), database.transaction() as connection:
        _insert_post(connection, "p2", slot)


def test_a_snapshot_is_unique_per_post_and_checkpoint(database):
    build_world(database)
    row = {
        "post_id": "p1",
        "checkpoint": "48h",
        "at": START,
        "day": START.date(),
        "v": 1,
    }
    sql = sa.text(
        "INSERT INTO metrics_snapshots (post_id, checkpoint, checkpoint_at, partition_date,"
        " captured_at, views, reach, likes, comments, saves, shares, follows, followers_at_capture)"
        " VALUES (:post_id, :checkpoint, :at, :day, :at, :v, :v, :v, :v, :v, :v, :v, :v)"
    )
    with database.transaction() as connection:
        _insert_post(connection, "p1", START)
        connection.execute(sql, row)
    with pytest.raises(sa.exc.IntegrityError), database.transaction() as connection:
        connection.execute(sql, row)
    with pytest.raises(sa.exc.IntegrityError), database.transaction() as connection:
        connection.execute(sql, {**row, "checkpoint": "7d", "v": -1})


def test_times_round_trip_as_utc(database):
    build_world(database)
    with database.transaction() as connection:
        _insert_post(connection, "p1", START + dt.timedelta(hours=9, minutes=30))
    with database.engine.connect() as connection:
        value = connection.execute(sa.text("SELECT slot_at FROM scheduled_posts")).scalar()
    assert value == START + dt.timedelta(hours=9, minutes=30)
    assert value.utcoffset() == dt.timedelta(0)
