"""Shared fixtures: a real database per test, SQLite file and PostgreSQL.

PostgreSQL comes from TOBY_TEST_DATABASE_URL (default: the local server). Each test gets a
database of its own, dropped afterwards. Under CI=true an unreachable server fails the run
instead of skipping.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from toby_pipelines.storage.database import Database, normalize_url

PG_URL = os.environ.get(
    "TOBY_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
ON_CI = os.environ.get("CI", "").lower() == "true"


def _pg_admin_engine() -> sa.Engine:
    return sa.create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")


def _postgres_available() -> str | None:
    try:
        with _pg_admin_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return None
    except Exception as error:
        return str(error).splitlines()[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'toby.db'}"
        return
    problem = _postgres_available()
    if problem is not None:
        if ON_CI:
            pytest.fail(
                f"PostgreSQL at TOBY_TEST_DATABASE_URL is required under CI=true: {problem}"
            )
        pytest.skip(
            "PostgreSQL not reachable; start it or set TOBY_TEST_DATABASE_URL to run these "
            f"tests ({problem})"
        )
    name = f"toby_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(normalize_url(PG_URL)).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database(database_url):
    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()


def pytest_collection_modifyitems(items):
    """Files holding a `long` test run first, longest first: with two workers taking whole files,
    a test of minutes started last keeps one worker busy long after the other is done."""
    minutes: dict = {}
    for item in items:
        marker = item.get_closest_marker("long")
        if marker is not None:
            minutes[item.path] = max(minutes.get(item.path, 0), marker.kwargs.get("minutes", 1))
    items.sort(key=lambda item: -minutes.get(item.path, 0))
