"""Rows written in bulk (COPY on PostgreSQL) land exactly as an INSERT puts them.

The posteriors of a day go through `insert_rows`; on PostgreSQL that is CSV streamed by COPY,
where an empty string and a NULL, a comma or a quote in a text, or a float's last bit could be
lost in translation. Each row here is written both ways into twin tables and read back.
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa

from toby_pipelines.storage.bulk import insert_rows

COLUMNS = ("name", "note", "ratio", "count", "day", "at", "flag")
ROWS = [
    (
        "plain",
        "",
        0.1 + 0.2,
        3,
        dt.date(2026, 7, 1),
        dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC),
        True,
    ),
    ('quo"te, comma', None, 1e-300, -7, None, None, False),
    ("new\nline", "[50.5, 61.25]", -123456.789012345678, 0, dt.date(2026, 1, 31), None, None),
    ("ünïcödé", "tab\there", math.pi, 2**40, dt.date(2025, 12, 31), None, True),
    ("backslash", "\\N", float("inf"), None, None, None, None),
]


def _twin_tables(connection, name: str, key: str) -> None:
    """`name` and plain_rows, alike: the one written in bulk, the other by INSERT."""
    for table in (name, "plain_rows"):
        connection.execute(
            sa.text(
                f"CREATE TABLE {table} (name TEXT {key}, note TEXT, ratio DOUBLE PRECISION,"
                " count BIGINT, day DATE, at TIMESTAMPTZ, flag BOOLEAN)"
            )
        )


def test_bulk_rows_read_back_as_inserted_rows(database):
    with database.transaction() as connection:
        _twin_tables(connection, "bulk_rows", "NOT NULL")
        assert insert_rows(connection, "bulk_rows", COLUMNS, ROWS) == len(ROWS)
        connection.execute(
            sa.insert(sa.table("plain_rows", *(sa.column(c) for c in COLUMNS))),
            [dict(zip(COLUMNS, row, strict=True)) for row in ROWS],
        )
        assert insert_rows(connection, "bulk_rows", COLUMNS, []) == 0
    with database.engine.connect() as connection:
        bulk, plain = (
            [tuple(r) for r in connection.execute(sa.text(f"SELECT * FROM {t} ORDER BY name"))]
            for t in ("bulk_rows", "plain_rows")
        )
    assert bulk == plain
    assert len(bulk) == len(ROWS)
    by_name = {row[0]: row for row in bulk}
    assert by_name["plain"][1] == "" and by_name['quo"te, comma'][1] is None
    assert by_name["plain"][2] == 0.1 + 0.2  # to the last bit
    assert by_name["backslash"][1] == "\\N"  # text, not NULL


def test_new_rows_land_as_inserted_rows_and_taken_keys_keep_their_row(database):
    """`insert_new_rows` (posts and their tags): the rows of keys not yet taken land exactly as
    an INSERT puts them; a row whose key is taken is skipped, the existing row untouched."""
    from toby_pipelines.storage.bulk import insert_new_rows

    with database.transaction() as connection:
        _twin_tables(connection, "new_rows", "PRIMARY KEY")
        taken = ("plain", "already here", 1.5, 1, None, None, False)
        insert_rows(connection, "new_rows", COLUMNS, [taken])
        insert_new_rows(connection, "new_rows", COLUMNS, ROWS, unique=("name",))
        insert_new_rows(connection, "new_rows", COLUMNS, [], unique=("name",))
        connection.execute(
            sa.insert(sa.table("plain_rows", *(sa.column(c) for c in COLUMNS))),
            [dict(zip(COLUMNS, row, strict=True)) for row in [taken, *ROWS[1:]]],
        )
    with database.engine.connect() as connection:
        new, plain = (
            [tuple(r) for r in connection.execute(sa.text(f"SELECT * FROM {t} ORDER BY name"))]
            for t in ("new_rows", "plain_rows")
        )
    assert new == plain and len(new) == len(ROWS)
    assert {row[0]: row for row in new}["plain"][1] == "already here"
