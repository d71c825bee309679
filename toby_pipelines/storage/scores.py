"""Post scores (48h early, 7d final) and the views of them the learning steps need."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.bulk import copy_into_temporary
from toby_pipelines.storage.copy_out import copied_columns
from toby_pipelines.storage.database import as_date, for_users, utc
from toby_pipelines.strategy.dimensions import DIMENSIONS
from toby_pipelines.strategy.evidence import ScoredPost


@dataclass(frozen=True)
class PostScore:
    post_id: str
    phase: str
    score_date: dt.date
    toby_score: float
    raw_views_score: float
    relative_views_score: float
    engagement_score: float
    follower_context_score: float
    views: int
    baseline_avg_views: float | None
    followers_per_1k_views: float | None
    engagement_rate: float | None
    is_game_changer: bool = False
    # Hours after its checkpoint the snapshot was observed: a late live capture says so.
    observed_late_hours: float = 0.0


_COLUMNS = tuple(PostScore.__dataclass_fields__)


def _values(row) -> dict:
    # A shallow dict of the row's columns: dataclasses.asdict deep-copies every value.
    return {name: getattr(row, name) for name in _COLUMNS}


_VALUES = tuple(c for c in _COLUMNS if c not in ("post_id", "phase"))


def upsert_scores(connection: Connection, scores: Sequence[PostScore], now: dt.datetime) -> int:
    if not scores:
        return 0
    updates = ", ".join(f"{c} = excluded.{c}" for c in _VALUES)
    columns = ", ".join(_COLUMNS)
    upsert = f" ON CONFLICT (post_id, phase) DO UPDATE SET {updates}"
    # The content tag carries the post's latest score: the final one once it exists.
    tag_is_behind = (
        " AND (t.score_phase IS NULL OR t.score_phase = {phase} OR {phase} = '7d')"
        " AND (t.toby_score IS NULL OR t.toby_score <> {score} OR t.score_phase <> {phase})"
    )
    if connection.dialect.name == "postgresql":
        # A day's scores streamed by COPY and merged, and their tags updated, in two statements.
        incoming = copy_into_temporary(
            connection, "post_scores", _COLUMNS, [tuple(_values(s).values()) for s in scores]
        )
        connection.exec_driver_sql(
            f"INSERT INTO post_scores ({columns}) SELECT {columns} FROM {incoming}{upsert}"
        )
        connection.execute(
            sa.text(
                "UPDATE toby_content_tags t SET toby_score = i.toby_score, score_phase = i.phase,"
                f" scored_at = :now FROM {incoming} i WHERE t.post_id = i.post_id"
                + tag_is_behind.format(phase="i.phase", score="i.toby_score")
            ),
            {"now": now},
        )
        return len(scores)
    connection.execute(
        sa.text(
            f"INSERT INTO post_scores ({columns}) VALUES ({', '.join(':' + c for c in _COLUMNS)}){upsert}"
        ),
        [_values(s) for s in scores],
    )
    # One statement for all of them (executemany, in order), not a round trip per post.
    connection.execute(
        sa.text(
            "UPDATE toby_content_tags AS t SET toby_score = :score, score_phase = :phase,"
            " scored_at = :now WHERE t.post_id = :post_id"
            + tag_is_behind.format(phase=":phase", score=":score")
        ),
        [
            {"score": s.toby_score, "phase": s.phase, "now": now, "post_id": s.post_id}
            for s in scores
        ],
    )
    return len(scores)


ROWS_PER_PAGE = 10_000


def scored_posts_between(
    connection: Connection,
    first_day: dt.date,
    last_day: dt.date,
    user_ids: Sequence[str] | None = None,
) -> list[tuple[str, dt.date, ScoredPost]]:
    """(user_id, score_date, scored post with its options) for Toby's posts scored in the window,
    of `user_ids` only when given (filtered in SQL), in the order of their score dates and post
    ids. A 48h score whose 7d score came before the window's last day is left out: the final
    score replaces it (`latest_scores`), also in a view of the window as of the day before the
    last.

    A learning horizon holds hundreds of thousands of scores: equal values (a brand's id, a day,
    a combination of options) are kept once, not once per score. PostgreSQL hands the rows over
    by `COPY` as columns (`copy_out`), SQLite row by row; the two give the same posts."""
    if connection.dialect.name == "postgresql":
        return _copied_horizon(connection, first_day, last_day, user_ids)
    return _fetched_horizon(connection, first_day, last_day, user_ids)


_HORIZON_TEXT = ("user_id", "scored", "post_id", "brand_id", "content_type", "phase")


def _horizon_query(published: str, scored: str, users: str) -> str:
    """The horizon's query; `users` is the condition on `p.user_id` and `t.user_id` (or "")."""
    # The tags are filtered by user too: without it PostgreSQL hashes every post's tags for each
    # batch of users (13 s a batch at 10,000 brands instead of 5).
    return (
        f"SELECT p.user_id, {scored}, s.post_id, p.brand_id, p.content_type, s.phase, "
        + f"{published}, "
        + ", ".join(f"t.{dimension}" for dimension in DIMENSIONS)
        + ", s.toby_score"
        " FROM post_scores s JOIN scheduled_posts p ON p.id = s.post_id"
        " JOIN toby_content_tags t ON t.post_id = s.post_id"
        f" WHERE s.score_date >= {{first}} AND s.score_date <= {{last}}{users}"
        " AND NOT (s.phase = '48h' AND EXISTS (SELECT 1 FROM post_scores f"
        " WHERE f.post_id = s.post_id AND f.phase = '7d' AND f.score_date < {last}))"
        " ORDER BY s.score_date, s.post_id"
    )


def _copied_horizon(connection, first_day, last_day, user_ids) -> list:
    """PostgreSQL: the rows by `COPY`, built into posts column by column."""
    # Days as text, not a timestamp and a date per row (each distinct day is parsed once
    # below); by to_char, so the server's DateStyle cannot change the form.
    query = _horizon_query(
        published="to_char(COALESCE(p.published_at, p.slot_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        scored="to_char(s.score_date, 'YYYY-MM-DD')",
        users=(
            " AND p.user_id = ANY(%(users)s) AND t.user_id = ANY(%(users)s)"
            if user_ids is not None
            else ""
        ),
    ).format(first="%(first)s", last="%(last)s")
    columns = copied_columns(
        connection,
        query,
        {"first": first_day, "last": last_day, "users": list(user_ids or ())},
        text=(*_HORIZON_TEXT, "published", *DIMENSIONS),
        floats=("toby_score",),
        distinct=("post_id",),
    )
    # Each combination of options is one mapping, shared by its posts (`stream_arrays` counts
    # on it); each distinct day one date.
    tags = [columns[dimension] for dimension in DIMENSIONS]
    first_rows, which = _combinations(np.stack([column.codes for column in tags], axis=1))
    mappings = np.empty(len(first_rows), dtype=object)
    mappings[:] = [
        dict(zip(DIMENSIONS, (column.values[column.codes[row]] for column in tags), strict=True))
        for row in first_rows.tolist()
    ]

    def days(column) -> list[dt.date]:
        values = np.empty(len(column.values), dtype=object)
        values[:] = [dt.date.fromisoformat(value) for value in column.values]
        return values[column.codes].tolist()

    # tuple.__new__ over zipped columns builds each named tuple in C (its own __new__ is Python).
    posts = map(
        tuple.__new__,
        repeat(ScoredPost),
        zip(
            columns["post_id"],
            columns["brand_id"].objects(),
            columns["content_type"].objects(),
            columns["phase"].objects(),
            columns["toby_score"].tolist(),
            mappings[which].tolist(),
            days(columns["published"]),
            strict=True,
        ),
    )
    return list(zip(columns["user_id"].objects(), days(columns["scored"]), posts, strict=True))


def _combinations(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of equal codes ([row, column]) as one combination: each combination's first row,
    and each row's combination."""
    if len(codes) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sizes = codes.max(axis=0) + 1
    if math.prod(int(size) for size in sizes) < 2**62:  # one number per combination
        keys = np.zeros(len(codes), dtype=np.int64)
        for column, size in zip(codes.T, sizes.tolist(), strict=True):
            keys = keys * size + column
        _, first_rows, which = np.unique(keys, return_index=True, return_inverse=True)
    else:
        _, first_rows, which = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    return first_rows, which.reshape(-1)


def _fetched_horizon(connection, first_day, last_day, user_ids) -> list:
    """SQLite: the rows a page at a time, built into posts row by row."""
    statement = sa.text(
        _horizon_query(
            published="COALESCE(p.published_at, p.slot_at)",
            scored="s.score_date",
            users=" AND p.user_id IN :users AND t.user_id IN :users"
            if user_ids is not None
            else "",
        ).format(first=":first", last=":last")
    )
    # Rows a page at a time: a call per page, not per row, and only a page of them alive at once
    # beside the posts built from them.
    pages = connection.execute(
        *for_users(statement, {"first": first_day, "last": last_day}, user_ids)
    ).partitions(ROWS_PER_PAGE)
    rows = (row for page in pages for row in page)
    names: dict[str, str] = {}
    days: dict = {}
    published_days: dict = {}
    combinations: dict[tuple, dict[str, str]] = {}
    result = []
    for user_id, score_date, post_id, brand_id, content_type, phase, at, *rest in rows:
        values = tuple(rest[:-1])  # the tag columns, in DIMENSIONS order
        options = combinations.get(values)
        if options is None:
            options = combinations[values] = dict(zip(DIMENSIONS, values, strict=True))
        published = published_days.get(at)
        if published is None:
            published = published_days[at] = _utc_day(at)
        scored_on = days.get(score_date)
        if scored_on is None:
            scored_on = days[score_date] = as_date(score_date)
        result.append(
            (
                names.setdefault(user_id, user_id),
                scored_on,
                ScoredPost(
                    post_id,
                    names.setdefault(brand_id, brand_id),
                    names.setdefault(content_type, content_type),
                    names.setdefault(phase, phase),
                    rest[-1],
                    options,
                    published,
                ),
            )
        )
    return result


def _utc_day(value: dt.datetime | str) -> dt.date:
    """The UTC day of a timestamp as read, or of a day already given as YYYY-MM-DD."""
    if isinstance(value, str) and len(value) == 10:
        return dt.date.fromisoformat(value)
    return utc(value).date()


def final_scores_between(
    connection: Connection,
    first_day: dt.date,
    last_day: dt.date,
    user_ids: Sequence[str] | None = None,
) -> list[tuple[str, str, dt.date, float]]:
    """(brand_id, content_type, score_date, score) of every final (7d) score in the window, of
    `user_ids` only when given."""
    only = " AND p.user_id IN :users" if user_ids is not None else ""
    statement = sa.text(
        "SELECT p.brand_id, p.content_type, s.score_date, s.toby_score FROM post_scores s"
        " JOIN scheduled_posts p ON p.id = s.post_id WHERE s.phase = '7d'"
        f" AND s.score_date >= :first AND s.score_date <= :last{only}"
    )
    rows = connection.execute(
        *for_users(statement, {"first": first_day, "last": last_day}, user_ids)
    )
    return [(r.brand_id, r.content_type, as_date(r.score_date), r.toby_score) for r in rows]


def final_score_totals_by_day(
    connection: Connection,
    first_day: dt.date,
    last_day: dt.date,
    user_ids: Sequence[str] | None = None,
) -> list[tuple[str, str, dt.date, float, int]]:
    """(brand_id, content_type, score_date, sum of final scores, how many) per day of the window,
    of `user_ids` only when given: what rolling means and the drift rule need, summed by the
    database instead of read score by score."""
    only = " AND p.user_id IN :users" if user_ids is not None else ""
    statement = sa.text(
        "SELECT p.brand_id, p.content_type, s.score_date, SUM(s.toby_score) AS total,"
        " COUNT(*) AS counted FROM post_scores s"
        " JOIN scheduled_posts p ON p.id = s.post_id WHERE s.phase = '7d'"
        f" AND s.score_date >= :first AND s.score_date <= :last{only}"
        " GROUP BY p.brand_id, p.content_type, s.score_date"
    )
    rows = connection.execute(
        *for_users(statement, {"first": first_day, "last": last_day}, user_ids)
    )
    return [
        (r.brand_id, r.content_type, as_date(r.score_date), float(r.total), int(r.counted))
        for r in rows
    ]
