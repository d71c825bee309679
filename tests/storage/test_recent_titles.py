"""A shared slot's tick reads every brand's recent titles in a few statements: the same titles
as reading them brand by brand, on a database the real jobs wrote."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.storage import posts


def test_titles_of_many_brands_equal_each_brands_own(database, database_url, monkeypatch):
    build_world(database, users=("u1", "u2"), brands_per_user=2)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 2)
    since = START + dt.timedelta(days=1)
    with database.engine.connect() as connection:
        brand_ids = [row.id for row in connection.execute(sa.text("SELECT id FROM brands"))]
        one_by_one = {
            brand_id: {
                row.title
                for row in connection.execute(
                    sa.text(
                        "SELECT title FROM scheduled_posts WHERE brand_id = :b"
                        " AND slot_at >= :since AND title IS NOT NULL"
                    ),
                    {"b": brand_id, "since": since},
                )
            }
            for brand_id in brand_ids
        }
        monkeypatch.setattr(posts, "BRANDS_PER_READ", 3)  # 4 brands: two statements
        together = posts.recent_titles(connection, [*brand_ids, "no-such-brand"], since)
    assert together == {**one_by_one, "no-such-brand": set()}
    assert all(one_by_one.values()) and len(brand_ids) == 4
