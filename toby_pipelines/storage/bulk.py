"""Writing many rows at once: PostgreSQL's COPY, plain multi-row inserts elsewhere.

A day of 10,000 brands writes hundreds of thousands of posteriors and snapshots. As INSERT
statements (even paged) PostgreSQL parses and plans every page and psycopg2 formats every value
into SQL text; COPY streams the rows as CSV into the same transaction, several times faster. The
rows land exactly as an INSERT would put them (NULLs, empty strings, floats to the last bit: a
test reads them back on both databases).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """Insert `rows` (values in `columns` order) into `table`; returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, rows)
    else:
        connection.execute(
            sa.insert(sa.table(table, *(sa.column(c) for c in columns))),
            [dict(zip(columns, row, strict=True)) for row in rows],
        )
    return len(rows)


def insert_new_rows(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    unique: Sequence[str],
) -> None:
    """Insert `rows`, skipping any whose `unique` columns a row in `table` has already (a
    concurrent writer's row stays as it is): `upsert_rows` with ON CONFLICT DO NOTHING."""
    upsert_rows(connection, table, columns, rows, f"ON CONFLICT ({', '.join(unique)}) DO NOTHING")


def upsert_rows(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    on_conflict: str,
) -> int:
    """Insert `rows` (values in `columns` order) into `table`, `on_conflict` (an ON CONFLICT
    clause) deciding what an existing row becomes; returns how many rows were given.
    PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT; elsewhere an
    executemany INSERT."""
    if not rows:
        return 0
    listed = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        incoming = copy_into_temporary(connection, table, columns, rows)
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {incoming} {on_conflict}"
        )
        return len(rows)
    connection.execute(
        sa.text(
            f"INSERT INTO {table} ({listed})"
            f" VALUES ({', '.join(':' + c for c in columns)}) {on_conflict}"
        ),
        [dict(zip(columns, row, strict=True)) for row in rows],
    )
    return len(rows)


def copy_into_temporary(
    connection: Connection, like: str, columns: Sequence[str], rows: Sequence[Sequence]
) -> str:
    """PostgreSQL only: `rows` in a temporary table shaped like `like`, dropped at commit; its
    name. For upserts: `INSERT INTO like SELECT ... FROM it ON CONFLICT ...`."""
    name = f"incoming_{like}"
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {name}"
        f" (LIKE {like} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql(f"TRUNCATE {name}")
    _copy(connection, name, columns, rows)
    return name


def _copy(connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence]):
    buffer = io.StringIO()
    # Every string quoted (so "" is an empty string and a quoted \N is text), NULL an unquoted
    # \N; numbers unquoted, floats written by repr, which round-trips exactly.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    # Most values (numbers, text) go as they are; only the others take a call each.
    writer.writerows(
        [value if type(value) in _AS_IS else _csv_value(value) for value in row] for row in rows
    )
    buffer.seek(0)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )
    finally:
        cursor.close()


class _Null:
    r"""NULL in the CSV: a "number" to the csv module (so it is never quoted), written \N."""

    def __float__(self) -> float:
        return 0.0

    def __str__(self) -> str:
        return "\\N"


_NULL = _Null()
_AS_IS = frozenset((float, int, str))


def _csv_value(value):
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
