"""The learning read of a horizon's scores (`scored_posts_between`) on a database the real jobs
wrote: each post's publishing day is its UTC day (PostgreSQL hands it over as text, SQLite as a
timestamp), near midnight too, and the 48h score a final one replaced is left out."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.storage.database import as_date, utc
from toby_pipelines.storage.scores import _fetched_horizon, scored_posts_between


def test_each_score_carries_its_posts_utc_publishing_day(database, database_url):
    build_world(database, users=("u1",), brands_per_user=1)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 8)
    last = (START + dt.timedelta(days=8)).date()
    first = START.date()
    with database.transaction() as connection:
        ids = [r.id for r in connection.execute(sa.text(
            "SELECT DISTINCT p.id FROM scheduled_posts p JOIN post_scores s ON s.post_id = p.id"
            " WHERE p.published_at IS NOT NULL ORDER BY p.id LIMIT 3"
        ))]  # fmt: skip
        # One second either side of midnight UTC, and a time given in another zone whose
        # local day is the day before its UTC day.
        moved = [
            dt.datetime(2026, 3, 4, 23, 59, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 5, 0, 0, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 5, 21, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        ]
        for post_id, at in zip(ids, moved, strict=True):
            connection.execute(
                sa.text("UPDATE scheduled_posts SET published_at = :at WHERE id = :id"),
                {"at": at, "id": post_id},
            )
    with database.engine.connect() as connection:
        read = scored_posts_between(connection, first, last)
        expected = _expected(connection, first, last)
    assert len(ids) == 3 and len(read) > 12
    assert {post.phase for _, _, post in read} == {"48h", "7d"}
    got = sorted(
        (user, scored_on, post.post_id, post.phase, post.score, post.published_on)
        for user, scored_on, post in read
    )
    assert got == expected
    days = {post.post_id: post.published_on for _, _, post in read}
    assert [days[i] for i in ids] == [dt.date(2026, 3, 4), dt.date(2026, 3, 5), dt.date(2026, 3, 6)]
    assert all(type(day) is dt.date for _, day, _ in read)
    # Asked for by user, the same rows.
    assert scored_posts_between(database.engine.connect(), first, last, ["u1"]) == read
    # The same rows whatever the session's date style and time zone (days are read as text).
    with database.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET DateStyle = 'SQL, DMY'"))
            connection.execute(sa.text("SET TimeZone = 'America/Los_Angeles'"))
        assert scored_posts_between(connection, first, last) == read


def _expected(connection, first, last) -> list[tuple]:
    """The same rows computed in Python from the raw tables."""
    rows = connection.execute(
        sa.text(
            "SELECT p.user_id, s.score_date, s.post_id, s.phase, s.toby_score, p.published_at,"
            " p.slot_at FROM post_scores s JOIN scheduled_posts p ON p.id = s.post_id"
            " JOIN toby_content_tags t ON t.post_id = s.post_id"
        )
    ).fetchall()
    finals = {r.post_id: as_date(r.score_date) for r in rows if r.phase == "7d"}
    return sorted(
        (
            r.user_id,
            as_date(r.score_date),
            r.post_id,
            r.phase,
            r.toby_score,
            utc(r.published_at or r.slot_at).date(),
        )
        for r in rows
        if first <= as_date(r.score_date) <= last
        and not (r.phase == "48h" and r.post_id in finals and finals[r.post_id] < last)
    )


# Values a CSV reader could take for something else: separators, quotes and line breaks, words
# that mean "missing", an empty string, digits with leading zeros; and floats whose shortest
# form is long or tiny.
AWKWARD_TAGS = ["a,b", 'say "hi"', "line\nbreak", "NA", "", "007", "null", " padded "]
AWKWARD_SCORES = [0.1 + 0.2, 1e-300, 33.333333333333336, 100.0, 0.0, 49.99999999999999]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # COPY is PostgreSQL's
def test_postgresql_copies_the_horizon_as_the_rows_read_it(database, database_url):
    """PostgreSQL hands the horizon over by COPY (`copy_out`): every value, however awkward,
    comes back exactly as the driver reads it row by row, and as the tables hold it."""
    assert database.dialect == "postgresql"
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 8)
    first, last = START.date(), (START + dt.timedelta(days=8)).date()
    with database.transaction() as connection:
        ids = [r.post_id for r in connection.execute(sa.text(
            "SELECT DISTINCT post_id FROM post_scores ORDER BY post_id LIMIT 8"
        ))]  # fmt: skip
        for n, post_id in enumerate(ids):
            connection.execute(
                sa.text(
                    "UPDATE toby_content_tags SET topic_bucket = :tag, hook_strategy = :other"
                    " WHERE post_id = :id"
                ),
                {"tag": AWKWARD_TAGS[n], "other": AWKWARD_TAGS[-1 - n], "id": post_id},
            )
            connection.execute(
                sa.text("UPDATE post_scores SET toby_score = :score WHERE post_id = :id"),
                {"score": AWKWARD_SCORES[n % len(AWKWARD_SCORES)], "id": post_id},
            )
        # And every other score a double of full precision, as a CSV parser must read exactly.
        others = connection.execute(
            sa.text("SELECT post_id, phase FROM post_scores WHERE NOT post_id = ANY(:ids)"),
            {"ids": ids},
        ).fetchall()
        rng = np.random.default_rng(11)
        values = rng.uniform(0, 100, len(others)) * rng.choice([1e-3, 1, 1e3], len(others))
        for (post_id, phase), value in zip(others, values, strict=True):
            connection.execute(
                sa.text(
                    "UPDATE post_scores SET toby_score = :score"
                    " WHERE post_id = :id AND phase = :phase"
                ),
                {"score": float(value), "id": post_id, "phase": phase},
            )
    with database.engine.connect() as connection:
        copied = scored_posts_between(connection, first, last)
        fetched = _fetched_horizon(connection, first, last, None)
        for_one = scored_posts_between(connection, first, last, ["u2"])
        for_none = scored_posts_between(connection, first, last, [])
        tags = {
            r.post_id: (r.topic_bucket, r.hook_strategy)
            for r in connection.execute(sa.text("SELECT * FROM toby_content_tags"))
        }
        scores = {
            (r.post_id, r.phase): r.toby_score
            for r in connection.execute(sa.text("SELECT * FROM post_scores"))
        }
    assert len(copied) > 20 and copied == fetched
    assert for_one == [row for row in copied if row[0] == "u2"] and for_one
    assert for_none == []
    seen = {post.post_id: post for _, _, post in copied}
    assert set(ids) <= set(seen)
    for post_id in ids:
        post = seen[post_id]
        assert (post.options["topic_bucket"], post.options["hook_strategy"]) == tags[post_id]
        assert post.score == scores[(post_id, post.phase)]  # to the last bit
        assert type(post.score) is float
    # Posts of one combination of options share one mapping (`stream_arrays` counts on it).
    by_combination = {}
    for _, _, post in copied:
        by_combination.setdefault(tuple(post.options.values()), set()).add(id(post.options))
    assert all(len(mappings) == 1 for mappings in by_combination.values())
