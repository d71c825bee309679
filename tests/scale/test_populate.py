"""The bulk-populated database has the shape the code writes: the real assets run on it.

A template brand runs through the real loop, its rows are copied for 7 brands (users of 1, 2, 3
and 1 brands) over 10 days, and then the real chain and tick run on the day after the history,
on SQLite and PostgreSQL. Every brand is measured, scored, given baselines and posteriors and a
filled buffer, nothing fails, and what the assets write that day has the same shape (which
columns are set) as the copied rows of the day before.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from toby_pipelines.scale.bench import (
    CHAIN,
    HISTORY_END,
    TEMPLATE_START,
    _asset_step,
    _row_at_a_time_chain,
    _tick_step,
    clear_first_fill,
)
from toby_pipelines.scale.populate import owners, populate, read_template
from toby_pipelines.scale.template import build_template
from toby_pipelines.storage.database import Database

END = dt.date(2026, 3, 20)
DAY = END + dt.timedelta(days=1)
MIDNIGHT = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
BRANDS = 7


@pytest.fixture(scope="module")
def template_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "template.sqlite"
    build_template(path, TEMPLATE_START)
    return path


@pytest.fixture(scope="module")
def template(template_path):
    return read_template(template_path)


def test_users_own_one_to_five_brands():
    people = owners(20)
    sizes = {}
    for owner in people:
        sizes[owner.user] = sizes.get(owner.user, 0) + 1
    assert list(sizes.values()) == [1, 2, 3, 4, 5, 1, 2, 2]
    assert sum(o.first_of_user for o in people) == len(sizes)


def null_columns(database, sql, **params) -> set[frozenset[str]]:
    with database.engine.connect() as connection:
        result = connection.execute(sa.text(sql), params)
        return {frozenset(k for k, v in row._mapping.items() if v is None) for row in result}


def count(database, sql, **params) -> int:
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def test_the_real_assets_run_on_a_populated_database(template, database_url):
    database = Database(database_url)
    database.migrate()
    summary = populate(database, template, brands=BRANDS, days=10, end=END)
    assert summary.users == 4
    assert summary.rows["scheduled_posts"] == BRANDS * 10 * 8
    # History ends on END: nothing measured or scored after it.
    assert count(database, "SELECT MAX(partition_date) FROM metrics_snapshots") in (END, str(END))

    for name in CHAIN:
        _asset_step(database_url, name, DAY, MIDNIGHT)()
    _tick_step(database_url, MIDNIGHT + dt.timedelta(minutes=5))()

    assert count(database, "SELECT COUNT(*) FROM unit_failures") == 0
    assert count(database, "SELECT COUNT(*) FROM capture_failures") == 0
    per_brand = {
        "snapshots": "SELECT COUNT(DISTINCT p.brand_id) FROM metrics_snapshots s JOIN"
        " scheduled_posts p ON p.id = s.post_id WHERE s.partition_date = :day",
        "scores": "SELECT COUNT(DISTINCT p.brand_id) FROM post_scores s JOIN scheduled_posts p"
        " ON p.id = s.post_id WHERE s.score_date = :day",
        "baselines": "SELECT COUNT(DISTINCT brand_id) FROM brand_baselines WHERE as_of_date = :day",
        "posteriors": "SELECT COUNT(DISTINCT brand_id) FROM toby_strategy_scores"
        " WHERE as_of_date = :day",
        "buffer": "SELECT COUNT(DISTINCT brand_id) FROM scheduled_posts WHERE status = 'generated'",
    }
    for what, sql in per_brand.items():
        assert count(database, sql, day=DAY) == BRANDS, what

    # What the assets wrote for DAY looks like what was copied for END.
    shapes = {
        "metrics_snapshots": "SELECT * FROM metrics_snapshots WHERE partition_date = :day",
        "post_scores": "SELECT * FROM post_scores WHERE score_date = :day",
        "brand_baselines": "SELECT * FROM brand_baselines WHERE as_of_date = :day",
    }
    for table, sql in shapes.items():
        assert null_columns(database, sql, day=DAY) == null_columns(database, sql, day=END), table

    # The benchmark's row-at-a-time comparison computes the same day to the same numbers:
    # baselines summed by the database equal those summed row by row in Python (to the last
    # few bits of a float sum, whose order differs).
    def day_rows():
        with database.engine.connect() as connection:
            return [
                tuple(round(v, 9) if isinstance(v, float) else v for v in r)
                for sql in shapes.values()
                for r in connection.execute(sa.text(sql + " ORDER BY 1, 2, 3"), {"day": DAY})
            ]

    before = day_rows()
    _row_at_a_time_chain(database_url, DAY, MIDNIGHT)()
    assert day_rows() == before
    database.dispose()


def test_a_longer_history_holds_the_runs_that_retests_left_behind(template, tmp_path):
    """Every RETEST_AFTER_DAYS a key's experiment is run again and the run it replaced stays in
    the table: a populated history holds those runs too, and the newest is the one standing."""
    from toby_pipelines.storage.experiments import experiments_as_of
    from toby_pipelines.strategy.experiments import RETEST_AFTER_DAYS

    database = Database(f"sqlite:///{tmp_path / 'toby.db'}")
    database.migrate()
    populate(database, template, brands=2, days=2 * RETEST_AFTER_DAYS + 1, end=END)
    keys = count(database, "SELECT COUNT(DISTINCT brand_id || content_type || dimension)"
                 " FROM toby_experiments")  # fmt: skip
    assert count(database, "SELECT COUNT(*) FROM toby_experiments") == 2 * keys
    with database.engine.connect() as connection:
        standing = experiments_as_of(connection, END)
        newest = connection.execute(
            sa.text("SELECT MAX(started_on) FROM toby_experiments")
        ).scalar()
        earlier = experiments_as_of(connection, END - dt.timedelta(days=RETEST_AFTER_DAYS))
    assert len(standing) == keys == len(earlier)
    assert {str(e.started_on) for e in standing.values()} == {str(newest)}
    assert all(
        e.started_on < min(s.started_on for s in standing.values()) for e in earlier.values()
    )
    database.dispose()


def test_a_first_fill_cleared_is_filled_again_the_same_way(template, database_url):
    """`make bench-refill`: the first fill undone (`clear_first_fill`) and run again plans the
    same slots, so two checkouts' fills can be timed on one population."""
    database = Database(database_url)
    database.migrate()
    populate(database, template, brands=3, days=10, end=END)
    slots_sql = (
        "SELECT brand_id, content_type, slot_at FROM scheduled_posts WHERE slot_at >= :m"
        " ORDER BY 1, 2, 3"
    )

    def planned():
        with database.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sa.text(slots_sql), {"m": MIDNIGHT})]

    _tick_step(database_url, MIDNIGHT + dt.timedelta(minutes=5))()
    first = planned()
    assert len(first) > 0
    assert clear_first_fill(database_url, MIDNIGHT) == len(first)
    assert planned() == []
    assert count(database, "SELECT COUNT(*) FROM toby_content_tags t LEFT JOIN scheduled_posts p"
                 " ON p.id = t.post_id WHERE p.id IS NULL") == 0  # fmt: skip
    _tick_step(database_url, MIDNIGHT + dt.timedelta(minutes=5))()
    assert planned() == first
    database.dispose()


def test_the_steady_tick_is_timed_again_only_on_a_filled_population(
    template, tmp_path, monkeypatch
):
    """`make bench-retick`: ten minutes past midnight, once the first fill ran, the tick plans
    and publishes nothing; before it, the same tick would fill every buffer, and is refused."""
    from toby_pipelines.scale import bench

    monkeypatch.setattr(bench, "_measured_day", lambda: (DAY, MIDNIGHT))
    url = f"sqlite:///{tmp_path / 'toby_scale.db'}"
    database = Database(url)
    database.migrate()
    populate(database, template, brands=3, days=10, end=END)
    with pytest.raises(SystemExit, match=r"not a steady tick: it generated [1-9]"):
        bench.retick("sqlite", tmp_path, 1)
    figures = bench.retick("sqlite", tmp_path, 2)  # the refused tick filled the buffers
    assert len(figures["steady_ticks"]) == 2
    assert all(tick["wall_s"] > 0 for tick in figures["steady_ticks"])
    database.dispose()


def test_a_longer_history_is_timed_in_pairs_on_two_populations(template_path, tmp_path):
    """`make bench-horizon`: the same brands populated with a short and a long history, the
    chain run on each in turn, a ratio per pair; both databases kept, holding their histories."""
    from toby_pipelines.scale.horizon import horizon

    figures = horizon(3, 9, 12, "sqlite", tmp_path, runs=2, template=template_path)
    assert len(figures["ratios"]) == 2 and len(figures["pairs"]) == 2
    for pair in figures["pairs"]:
        for chain in (pair["short"], pair["long"]):
            assert set(chain["steps"]) == set(CHAIN)
            assert all(step["cpu_s"] > 0 for step in chain["steps"].values())
        assert pair["ratio"] == round(pair["long"]["chain_cpu_s"] / pair["short"]["chain_cpu_s"], 3)
    days = {}
    for history in (9, 12):
        database = Database(f"sqlite:///{tmp_path / f'toby_horizon_{history}d.db'}")
        days[history] = count(
            database, "SELECT COUNT(DISTINCT score_date) FROM post_scores WHERE score_date <= :d",
            d=HISTORY_END,
        )  # fmt: skip
        learned = count(database, "SELECT COUNT(*) FROM toby_strategy_scores WHERE as_of_date = :d",
                        d=HISTORY_END + dt.timedelta(days=1))  # fmt: skip
        assert learned > 0  # the chain ran on this population
        database.dispose()
    assert days[12] - days[9] == 3
