"""Pins and bans (seed 004's manual lock): an owner forces or forbids an option for a brand and
content type; the planner obeys, records the propensity of the restricted choice, and the other
brand, type and user are untouched."""

from __future__ import annotations

import json

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa

from tests.control.test_control_api import NOW, Server
from tests.world import START, build_world, register_accounts, resources_for
from toby_pipelines.control.app import create_app
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.storage.api_tokens import create_api_token
from toby_pipelines.strategy.option_rules import restricted_pools

TICK = load_defs().resolve_job_def("toby_tick_job")


def test_pins_and_bans_restrict_a_pool_and_never_empty_it():
    pools = {"hook": ("a", "b", "c"), "style": ("x", "y")}
    assert restricted_pools(pools, None) == pools
    assert restricted_pools(pools, {"hook": {"b": "pin"}, "style": {"x": "ban"}}) == {
        "hook": ("b",),
        "style": ("y",),
    }
    assert restricted_pools(pools, {"style": {"x": "ban", "y": "ban"}})["style"] == ("x", "y")


@pytest.fixture
def api(database, database_url):
    build_world(database, users=("u1", "u2"))
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    with database.transaction() as connection:
        token = create_api_token(connection, "u1", START)
    with Server(create_app(database, clock=lambda: NOW)) as base:
        yield httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def rule(brand="u1-b0", dimension="hook_strategy", option="myth_buster", **extra):
    return {"brand": brand, "content_type": "reel", "dimension": dimension, "option": option,
            **extra}  # fmt: skip


def test_the_planner_obeys_pins_and_bans_and_logs_honest_propensities(api, database, database_url):
    assert api.put("/api/toby/rules", json=rule(rule="pin")).status_code == 200
    banned = rule(dimension="visual_style", option="dark_cinematic", rule="ban")
    assert api.put("/api/toby/rules", json=banned).status_code == 200
    assert len(api.get("/api/toby/rules").json()["rules"]) == 2

    TICK.execute_in_process(
        resources=resources_for(database_url, START), instance=dg.DagsterInstance.ephemeral()
    )
    with database.engine.connect() as connection:
        tags = connection.execute(
            sa.text(
                "SELECT p.brand_id, p.content_type, t.hook_strategy, t.visual_style,"
                " t.option_propensities FROM toby_content_tags t"
                " JOIN scheduled_posts p ON p.id = t.post_id"
            )
        ).all()
    pinned = [t for t in tags if (t.brand_id, t.content_type) == ("u1-b0", "reel")]
    assert pinned and {t.hook_strategy for t in pinned} == {"myth_buster"}
    assert all(json.loads(t.option_propensities)["hook_strategy"] == 1.0 for t in pinned)
    assert "dark_cinematic" not in {t.visual_style for t in pinned}
    free = [t for t in tags if (t.brand_id, t.content_type) != ("u1-b0", "reel")]
    assert len({t.hook_strategy for t in free}) > 1  # other brands, types and users untouched
    assert all(json.loads(t.option_propensities)["hook_strategy"] < 1.0 for t in free)


def test_rules_name_bad_input_and_reach_only_the_users_own_brands(api):
    assert api.put("/api/toby/rules", json=rule(brand="u2-b0", rule="pin")).status_code == 404
    assert api.put("/api/toby/rules", json=rule(brand="nope", rule="pin")).status_code == 404
    bad = api.put("/api/toby/rules", json=rule(option="yelling", rule="pin"))
    assert bad.status_code == 422 and "'yelling'" in bad.text
    kind = api.put("/api/toby/rules", json=rule(rule="lock"))
    assert kind.status_code == 422 and "pin or ban" in kind.text
    for option in ("dark_cinematic", "light_clean"):
        banned = rule(dimension="visual_style", option=option, rule="ban")
        assert api.put("/api/toby/rules", json=banned).status_code == 200
    last = api.put("/api/toby/rules", json=rule(dimension="visual_style", option="vibrant_bold",
                                                 rule="ban"))  # fmt: skip
    assert last.status_code == 422 and "no option" in last.text
    lifted = api.request("DELETE", "/api/toby/rules", json=rule(dimension="visual_style",
                                                               option="light_clean"))  # fmt: skip
    assert lifted.status_code == 200 and len(lifted.json()["rules"]) == 1
    again = api.request("DELETE", "/api/toby/rules", json=rule(dimension="visual_style",
                                                              option="light_clean"))  # fmt: skip
    assert again.status_code == 404
    actions = [a["action"] for a in api.get("/api/toby/activity").json()["items"]]
    assert {"option_banned", "option_rule_lifted"} <= set(actions)
