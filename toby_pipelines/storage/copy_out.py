"""PostgreSQL only: a query's rows read through `COPY ... TO STDOUT` as columns.

Fetching rows through the driver builds a Python object per value and a row object per row
before the caller sees them; a learning horizon is hundreds of thousands of rows a batch. Here
PostgreSQL writes the rows as CSV, pandas' C parser reads them into columns, and equal text is
numbered once (text read as categories), so the caller builds its objects from columns, sharing
equal values. Floats are written by PostgreSQL in their shortest exact form, which pandas' parser
reads back correctly rounded: the same numbers to the last bit as the driver reads (tested).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection


class TextColumn(NamedTuple):
    """A text column as each row's number (`codes`) into its distinct values (`values`, in the
    order of their first rows)."""

    codes: np.ndarray
    values: np.ndarray

    def objects(self) -> list[str]:
        """Every row's value, equal values being one object."""
        return self.values[self.codes].tolist()


def copied_columns(
    connection: Connection,
    query: str,
    params: Mapping[str, object],
    text: Sequence[str],
    floats: Sequence[str] = (),
    distinct: Sequence[str] = (),
) -> dict[str, TextColumn | np.ndarray | list[str]]:
    """{column: values} of `query` (psycopg2 `%(name)s` parameters, bound by the driver), its
    columns named `text` (str, kept exactly: no NA guessing, no numbers) then `floats`, in
    the query's order: text columns as `TextColumn`s, floats as arrays. Text columns named in
    `distinct` hold a different value in every row (an id): they come as lists of strings."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        bound = cursor.mogrify(query, dict(params)).decode()
        buffer = io.BytesIO()
        cursor.copy_expert(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()
    names = [*text, *floats]
    if buffer.tell() == 0:
        empty = TextColumn(np.empty(0, dtype=np.int64), np.empty(0, dtype=object))
        return {
            **{name: [] if name in distinct else empty for name in text},
            **{name: np.empty(0) for name in floats},
        }
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        header=None,
        names=names,
        # Text as categories: the parser numbers each column's distinct values itself (and
        # always as strings), rather than building a string per value.
        dtype={
            **{name: str if name in distinct else "category" for name in text},
            **{name: float for name in floats},
        },
        na_filter=False,
        engine="c",
    )
    buffer.close()
    columns: dict[str, TextColumn | np.ndarray | list[str]] = {}
    for name in text:
        if name in distinct:
            columns[name] = frame[name].tolist()
            continue
        values = frame[name].array
        columns[name] = TextColumn(
            np.asarray(values.codes, dtype=np.int64),
            np.asarray(values.categories, dtype=object),
        )
    for name in floats:
        columns[name] = frame[name].to_numpy(dtype=float)
    return columns
