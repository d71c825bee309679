"""Several users' writes go in one transaction; when it fails, each user's goes on its own and
only the user whose write the database refuses is recorded (real constraint, real database)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from toby_pipelines.loop.isolation import write_together
from toby_pipelines.storage.activity import activity_line, write_activity
from toby_pipelines.storage.brands import create_user

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def _write(connection, users):
    write_activity(
        connection,
        [
            activity_line(
                user_id=user,
                action_type="note",
                description=f"hello {user}",
                dedupe_key=f"note:{user}",
                now=NOW,
                # The log's CHECK constraint refuses this level: u2's write fails in the database.
                level="fatal" if user == "u2" else "info",
            )
            for user in users
        ],
    )


def test_one_refused_write_costs_the_rest_of_the_batch_nothing(database):
    with database.transaction() as connection:
        for user in ("u1", "u2", "u3"):
            create_user(connection, user_id=user, email=f"{user}@example.com", name=user, now=NOW)
    failed: list = []

    written = write_together(database, ["u1", "u2", "u3"], _write, lambda u: u, failed)

    assert written == ["u1", "u3"]
    assert [(f.unit, f.user_id) for f in failed] == [("u2", "u2")]
    assert "CHECK" in failed[0].reason.upper() or "constraint" in failed[0].reason.lower()
    with database.engine.connect() as connection:
        logged = connection.execute(
            sa.text("SELECT user_id FROM toby_activity_log ORDER BY user_id")
        ).scalars()
        assert list(logged) == ["u1", "u3"]


def test_a_batch_that_writes_is_written_whole(database):
    with database.transaction() as connection:
        for user in ("u1", "u3"):
            create_user(connection, user_id=user, email=f"{user}@example.com", name=user, now=NOW)
    failed: list = []
    assert write_together(database, ["u1", "u3"], _write, lambda u: u, failed) == ["u1", "u3"]
    assert failed == []
    assert write_together(database, [], _write, lambda u: u, failed) == []
