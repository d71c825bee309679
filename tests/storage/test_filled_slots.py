"""The tick's filled slots, read as text on PostgreSQL, are the posts' slots whatever the
session's DateStyle and TimeZone; a failed post leaves its slot open. SQLite file and
PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.world import START, build_world
from toby_pipelines.buffer.slots import Slot
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.loop import plan
from toby_pipelines.storage.database import utc
from toby_pipelines.storage.posts import filled_slots

END = START + dt.timedelta(days=3)


def test_filled_slots_are_the_posts_slots_in_any_session_style(database):
    build_world(database, users=("u1",), brands_per_user=2)
    plan.fill_buffer(database, TemplateContentGenerator().generate, START)
    with database.transaction() as connection:
        connection.execute(
            sa.text(
                "UPDATE scheduled_posts SET status = 'failed' WHERE id = ("
                " SELECT MIN(id) FROM scheduled_posts)"
            )
        )
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT brand_id, content_type, slot_at, status FROM scheduled_posts")
        ).all()
        expected = {
            Slot(utc(r.slot_at), r.brand_id, r.content_type) for r in rows if r.status != "failed"
        }
        assert len(expected) == len(rows) - 1 > 0
        assert filled_slots(connection, START, END) == expected
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET DateStyle = 'SQL, DMY'"))
            connection.execute(sa.text("SET TimeZone = 'America/Los_Angeles'"))
        found = filled_slots(connection, START, END)
    assert found == expected
    assert all(slot.at.utcoffset() == dt.timedelta(0) for slot in found)
