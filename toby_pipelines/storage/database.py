"""Connecting to Toby's application database: SQLite by default, PostgreSQL by URL.

The same SQL runs on both. Times are timezone-aware UTC datetimes in Python; on SQLite they are
stored as fixed-width ISO text so that comparisons in SQL order correctly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
_SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f+00:00"
WRITE_OPTION = "toby_write"


def data_dir() -> Path:
    """Where the embedded default keeps its files: TOBY_DATA_DIR, else data/."""
    return Path(os.environ.get("TOBY_DATA_DIR", DEFAULT_DATA_DIR))


def default_database_url() -> str:
    """The URL Toby uses when none is given: TOBY_DATABASE_URL, else a SQLite file in data/."""
    url = os.environ.get("TOBY_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'toby.db'}"


def normalize_url(url: str) -> str:
    """SQLAlchemy 2.1 reads plain postgresql:// as psycopg 3; Toby ships psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def utc(value: dt.datetime | str) -> dt.datetime:
    """A timezone-aware UTC datetime from a database value or ISO string."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def load_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def for_users(statement, params: dict, user_ids: Sequence[str] | None) -> tuple:
    """`statement` and `params` with an expanding `:users` bound to `user_ids` when given (a query
    of some users' rows, or everyone's with None)."""
    if user_ids is None:
        return statement, params
    statement = statement.bindparams(sa.bindparam("users", expanding=True))
    return statement, {**params, "users": list(user_ids)}


# The learning horizon's read joins, hashes and sorts a few hundred thousand rows per batch of
# users; at PostgreSQL's default work_mem (4 MB) its hash join and its sort spill to disk. Measured
# at 1,000 brands (2026-12-05, three runs each, alternated), 64 MB took the posteriors step from
# 18.0-18.4 s of wall time to 16.9-17.3 s (the query alone 3.3 -> 2.4 s a batch), and its own CPU
# from 10.6-10.9 s to 11.0-11.1 s. Only that read's transaction gets it (`SET LOCAL`): every other
# query keeps the server's setting.
LEARNING_READ_WORK_MEM = "64MB"


def roomy_sorts(connection: Connection) -> None:
    """Let this connection's current transaction sort and hash in LEARNING_READ_WORK_MEM of
    memory on PostgreSQL (nothing to do on SQLite); the setting ends with the transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SET LOCAL work_mem = '{LEARNING_READ_WORK_MEM}'"))


def _adapt_datetime(value: dt.datetime) -> str:
    return utc(value).strftime(_SQLITE_TIME_FORMAT)


def _register_sqlite_types() -> None:
    # Own adapters instead of sqlite3's deprecated defaults: one fixed format, always UTC.
    sqlite3.register_adapter(dt.datetime, _adapt_datetime)
    sqlite3.register_adapter(dt.date, lambda value: value.isoformat())
    sqlite3.register_converter("TIMESTAMPTZ", lambda raw: utc(raw.decode()))
    sqlite3.register_converter("DATE", lambda raw: dt.date.fromisoformat(raw.decode()))


def create_engine(url: str) -> Engine:
    """An engine for Toby's database; SQLite gets WAL, foreign keys and serialized writers."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        # executemany of text() statements in pages (psycopg2's execute_batch), not a round
        # trip per row (a day of 1,000 brands' posteriors: 4 s of writing instead of 11).
        # No JIT compilation: PostgreSQL compiles the learning horizon's read (a join of a few
        # hundred thousand rows) for about 2 s each time, more than it saves; measured at 1,000
        # brands, the day's posteriors took 2-3 s less wall time without it.
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_size=2,
            max_overflow=4,
            connect_args={"options": "-c jit=off"},
            **(
                {"executemany_mode": "values_plus_batch", "executemany_batch_page_size": 1000}
                if "psycopg2" in url
                else {}
            ),
        )

    _register_sqlite_types()
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"detect_types": sqlite3.PARSE_DECLTYPES, "timeout": 60},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Autocommit at the driver so that SQLAlchemy's BEGIN below is the only transaction start.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # Write transactions take the lock up front, so concurrent Dagster steps queue (busy
        # timeout) instead of failing on a lock upgrade; reads stay deferred and, in WAL mode,
        # never block writers.
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


class Database:
    """Toby's database: an engine plus the migrations applied to it."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalize_url(url or default_database_url())
        self.engine = create_engine(self.url)

    @property
    def embedded(self) -> bool:
        """The embedded default: a SQLite file on this machine."""
        return self.url.startswith("sqlite")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: everything inside commits together or not at all."""
        with write_transaction(self.engine) as connection:
            yield connection

    def migrate(self) -> list[str]:
        from toby_pipelines.storage.migrations import apply_migrations

        return apply_migrations(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)})"
