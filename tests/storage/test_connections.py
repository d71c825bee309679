"""Each connection of Toby's engine is set up as `create_engine` says: SQLite enforces foreign
keys and writes ahead; PostgreSQL does not JIT-compile (it cost the horizon's read 2 s a batch)."""

from __future__ import annotations

import sqlalchemy as sa


def test_connections_are_set_up_for_toby(database):
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        else:
            assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
