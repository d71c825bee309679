"""Ordered SQL migrations from sql/, each applied once and recorded in schema_migrations."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from toby_pipelines.storage.database import PROJECT_ROOT, write_transaction

MIGRATIONS_DIR = PROJECT_ROOT / "sql"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same for every Toby process on one PostgreSQL.
_PG_MIGRATION_LOCK = 7_014_902_115


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    files = sorted(p for p in directory.iterdir() if p.suffix == ".sql")
    for path in files:
        if not _MIGRATION_NAME.match(path.name):
            raise ValueError(f"migration file name {path.name!r} must look like 0001_name.sql")
    return files


def split_statements(sql: str) -> list[str]:
    """Statements of a migration file: separated by ';' at a line end, comments dropped."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    statements = re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)
    return [statement.strip() for statement in statements if statement.strip()]


def _applied(connection: Connection) -> set[str]:
    connection.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    return {row[0] for row in connection.exec_driver_sql("SELECT version FROM schema_migrations")}


def apply_migrations(engine: Engine, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied. Safe to run concurrently."""
    applied_now: list[str] = []
    with write_transaction(engine) as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        done = _applied(connection)
        for path in migration_files(directory):
            version = path.name[:4]
            if version in done:
                continue
            for statement in split_statements(path.read_text()):
                connection.exec_driver_sql(statement)
            connection.execute(
                sa.text(
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES (:version, :name, :applied_at)"
                ),
                {"version": version, "name": path.name, "applied_at": dt.datetime.now(dt.UTC)},
            )
            applied_now.append(path.name)
    return applied_now
