"""Review mode (spec 13): u1's posts wait for approval; approved ones publish, a rejected one is
written again, what is not approved by the deadline is skipped (or published, per brand); u2,
not in review mode, is untouched. Every decision is in the activity log."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa

from tests.control.test_control_api import NOW, Server
from tests.world import START, build_world, register_accounts, resources_for
from toby_pipelines.control.app import create_app
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.storage.api_tokens import create_api_token

TICK = load_defs().resolve_job_def("toby_tick_job")


@pytest.fixture
def world(database, database_url):
    build_world(database, users=("u1", "u2"))
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    with database.transaction() as connection:
        token = create_api_token(connection, "u1", START)
    with Server(create_app(database, clock=lambda: NOW)) as base:
        yield (
            database,
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30),
        )


def tick(url, at):
    return TICK.execute_in_process(
        resources=resources_for(url, at), instance=dg.DagsterInstance.ephemeral()
    )


def posts(database, **where):
    clauses = " AND ".join(f"{k} = :{k}" for k in where) or "TRUE"
    with database.engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT id, user_id, brand_id, content_type, slot_at, status, review_status,"
                f" title, error FROM scheduled_posts WHERE {clauses} ORDER BY slot_at, id"
            ),
            where,
        ).all()


def test_posts_wait_for_approval_and_the_deadline_decides_the_rest(world, database_url):
    database, api = world
    bad = api.patch("/api/toby/config", json={"review_mode": "maybe"})
    assert bad.status_code == 422 and "review_mode" in bad.text
    config = api.patch(
        "/api/toby/config", json={"review_mode": "skip", "brand_review_modes": {"u1-b1": "publish"}}
    ).json()
    assert config["review_mode"] == "skip"
    assert config["brand_review_modes"] == {"u1-b0": "skip", "u1-b1": "publish"}
    assert (
        api.patch("/api/toby/config", json={"brand_review_modes": {"u2-b0": "off"}}).status_code
        == 404
    )

    tick(database_url, START)
    assert {p.review_status for p in posts(database, user_id="u1")} == {"pending"}
    assert {p.review_status for p in posts(database, user_id="u2")} == {None}
    pending = api.get("/api/toby/review").json()["pending"]
    assert len(pending) == 12 and all(p["title"] for p in pending)
    assert pending[0]["deadline"] < pending[0]["slot_at"]

    nine = [p for p in pending if p["slot_at"].startswith("2026-03-02T09:00")]
    for post in nine:
        assert api.post(f"/api/toby/posts/{post['id']}/approve").status_code == 200
    [noon_b0] = [p for p in pending if p["slot_at"].startswith("2026-03-02T12:00")
                 and p["brand_id"] == "u1-b0"]  # fmt: skip
    rejected = api.post(f"/api/toby/posts/{noon_b0['id']}/reject", json={"reason": "off-brand"})
    assert rejected.status_code == 200
    assert api.post(f"/api/toby/posts/{noon_b0['id']}/approve").status_code == 404
    u2_post = posts(database, user_id="u2")[0].id
    assert api.post(f"/api/toby/posts/{u2_post}/approve").status_code == 404

    tick(database_url, START + dt.timedelta(minutes=5))  # the rejected slot is written again
    [again] = posts(database, brand_id="u1-b0", content_type="carousel",
                    slot_at=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))  # fmt: skip
    assert again.title != noon_b0["title"] and again.review_status == "pending"

    tick(database_url, START + dt.timedelta(hours=9))
    published = {(p.user_id, p.brand_id) for p in posts(database, status="published")}
    assert published == {("u1", "u1-b0"), ("u1", "u1-b1"), ("u2", "u2-b0"), ("u2", "u2-b1")}

    tick(database_url, START + dt.timedelta(hours=10))  # 12:00's deadline has come
    noon = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    b0 = posts(database, brand_id="u1-b0", slot_at=noon)[0]
    assert b0.status == "failed" and "not approved by its deadline" in b0.error
    b1 = posts(database, brand_id="u1-b1", slot_at=noon)[0]
    assert b1.review_status == "approved" and b1.status == "generated"
    tick(database_url, noon)
    assert posts(database, brand_id="u1-b1", slot_at=noon)[0].status == "published"

    actions = [
        a["action"] for a in api.get("/api/toby/activity", params={"per_page": 200}).json()["items"]
    ]
    for action in ("post_approved", "post_rejected", "review_deadline"):
        assert action in actions
