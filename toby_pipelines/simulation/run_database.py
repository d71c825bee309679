"""Where `toby demo` and `toby simulate` write: the database the user named (--database-url or
TOBY_DATABASE_URL), created when missing and refused when it holds other data unless told to
replace it; else the command's own SQLite file, fresh each run. And their report path, checked
before anything is touched."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from toby_pipelines.storage.database import normalize_url


def checked_report_path(path: Path) -> Path:
    """The report can be written there: not a directory, in a folder that exists and is
    writable."""
    if path.is_dir():
        raise ValueError(f"--report {path} is a directory; give a file path")
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"--report {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"--report {path} cannot be written here")
    return path


def run_database_url(named: str | None, own_file: Path, replace: bool) -> str:
    """The URL to simulate on. `named` None: `own_file`, deleted first (it is the command's own).
    Otherwise the named database: created when missing (PostgreSQL) and refused when it holds a
    user already, unless `replace`, which empties it."""
    if named is None:
        own_file.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(own_file) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{own_file}"
    url = normalize_url(named)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise ValueError(
            f"--database-url / TOBY_DATABASE_URL: not a database URL: {named!r}"
        ) from None
    if parsed.get_backend_name() == "postgresql":
        _create_postgres_database_if_missing(parsed)
    elif parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            users = _users(connection)
            if users and not replace:
                raise ValueError(
                    f"the database {parsed.render_as_string(hide_password=True)} already holds"
                    f" {users} user(s); add --replace to empty it first, or name another database"
                )
            if replace:
                metadata = sa.MetaData()
                metadata.reflect(connection)
                metadata.drop_all(connection)
    finally:
        engine.dispose()
    return url


def _users(connection: sa.Connection) -> int:
    if not sa.inspect(connection).has_table("users"):
        return 0
    return int(connection.execute(sa.text("SELECT COUNT(*) FROM users")).scalar() or 0)


def _create_postgres_database_if_missing(url: sa.URL) -> None:
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if not exists:
                quoted = url.database.replace('"', '""')
                connection.execute(sa.text(f'CREATE DATABASE "{quoted}"'))
    finally:
        admin.dispose()
