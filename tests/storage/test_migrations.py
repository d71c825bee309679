"""Migrations apply once, are recorded, and the constraints do real work on both databases."""

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa

from tests.world import START, build_world
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.migrations import apply_migrations, migration_files


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


def test_scores_written_before_0016_get_their_posts_user(database_url, tmp_path):
    """0016 rebuilds post_scores with the post's user: a database scored before it keeps every
    score, each now carrying its post's user, and a score without a user is refused."""
    older = tmp_path / "sql"
    older.mkdir()
    for path in migration_files():
        if path.name < "0016":
            shutil.copy(path, older / path.name)
    database = Database(database_url)
    try:
        apply_migrations(database.engine, older)
        build_world(database, users=("u1", "u2"), brands_per_user=1)
        with database.transaction() as connection:
            for number, user in enumerate(("u1", "u2", "u2")):
                connection.execute(
                    sa.text(
                        "INSERT INTO scheduled_posts (id, user_id, brand_id, platform,"
                        " content_type, slot_at, created_at, updated_at) VALUES (:id, :user,"
                        " :brand, 'instagram', 'reel', :slot, :now, :now)"
                    ),
                    {
                        "id": f"p{number}",
                        "user": user,
                        "brand": f"{user}-b0",
                        "slot": START + dt.timedelta(hours=number),
                        "now": START,
                    },
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO post_scores (post_id, phase, score_date, toby_score,"
                        " raw_views_score, relative_views_score, engagement_score,"
                        " follower_context_score, views, observed_late_hours) VALUES (:id, '7d',"
                        " :day, :score, 1, 2, 3, 4, 500, 1.5)"
                    ),
                    {"id": f"p{number}", "day": START.date(), "score": 10.0 * number},
                )
        assert database.migrate() == ["0016_post_scores_user.sql"]
        with database.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT post_id, user_id, toby_score, observed_late_hours FROM post_scores"
                    " ORDER BY post_id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("p0", "u1", 0.0, 1.5),
            ("p1", "u2", 10.0, 1.5),
            ("p2", "u2", 20.0, 1.5),
        ]
        with pytest.raises(sa.exc.IntegrityError), database.transaction() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO post_scores (post_id, phase, score_date, toby_score,"
                    " raw_views_score, relative_views_score, engagement_score,"
                    " follower_context_score, views) VALUES ('p0', '48h', :day, 1, 1, 1, 1, 1, 1)"
                ),
                {"day": START.date()},
            )
    finally:
        database.dispose()
