"""Each connection of Toby's engine is set up as `create_engine` says: SQLite enforces foreign
keys and writes ahead; PostgreSQL does not JIT-compile (it cost the horizon's read 2 s a batch)."""

from __future__ import annotations

import sqlalchemy as sa

from toby_pipelines.storage.database import LEARNING_READ_WORK_MEM, roomy_sorts


def test_connections_are_set_up_for_toby(database):
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        else:
            assert connection.execute(sa.text("SHOW jit")).scalar() == "off"


def test_the_learning_read_gets_room_to_sort_in_memory_for_its_transaction_only(database):
    with database.engine.connect() as connection:
        before = _work_mem(connection)
    with database.engine.connect() as connection:
        roomy_sorts(connection)
        inside = _work_mem(connection)
    with database.engine.connect() as connection:
        after = _work_mem(connection)
    if database.engine.dialect.name == "sqlite":
        assert before is inside is after is None  # nothing to set, and nothing fails
    else:
        assert inside == LEARNING_READ_WORK_MEM != before
        assert after == before  # SET LOCAL: the pooled connection goes back as it came


def _work_mem(connection) -> str | None:
    if connection.dialect.name == "sqlite":
        return None
    return connection.execute(sa.text("SHOW work_mem")).scalar()
