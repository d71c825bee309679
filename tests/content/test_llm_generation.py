"""The buffer filled by an LLM through a local chat-completions server, on a real database
(SQLite file and PostgreSQL).

Protects what lands in the tables: every slot is filled whatever the LLM does (down, unsafe,
over budget), the safe fallback asks for a post like the brand's best one before templates take
over, each call's tokens and cost are recorded, the daily budget is never overspent, and an
unsafe draft is rewritten at most twice, then discarded and logged.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.fakes.chat_api import api_error, completion, post_json, user_messages
from tests.world import START, build_world
from toby_pipelines.content.llm_client import ChatClient, Prices
from toby_pipelines.content.llm_generator import LlmContentGenerator
from toby_pipelines.defs.buffer.assets import content_buffer
from toby_pipelines.defs.resources import default_resources
from toby_pipelines.loop.plan import fill_buffer
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.content_generator import LlmContentGeneratorResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.media import MediaResource

KEY = "sk-test-secret-key"
PRICES = Prices(0.28, 0.42)
SLOTS = 12  # 2 brands x 3 slots a day x 2 buffer days


@pytest.fixture
def world(database):
    build_world(database)
    return database


def generator(database, chat, prices: Prices = PRICES) -> LlmContentGenerator:
    client = ChatClient(
        api_key=KEY, model="deepseek-v9", base_url=chat.server.url, sleep=lambda s: None
    )
    return LlmContentGenerator(database, client, prices)


def rows(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def sources(database) -> dict[str, int]:
    return dict(
        rows(database, "SELECT generator, COUNT(*) FROM scheduled_posts GROUP BY generator")
    )


def test_every_post_written_by_the_llm_with_its_usage_and_cost(world, chat):
    fill_buffer(world, generator(world, chat).generate, START)
    assert sources(world) == {"llm": SLOTS}
    usage = rows(
        world, "SELECT user_id, model, prompt_tokens, completion_tokens, cost_usd FROM ai_usage"
    )
    assert len(usage) == SLOTS
    assert all(u[:4] == ("u1", "deepseek-v9", 420, 180) for u in usage)
    assert sum(u[4] for u in usage) == pytest.approx(SLOTS * PRICES.cost_usd(420, 180))
    system = chat.server.requests[0].body["messages"][0]["content"]
    assert "Reply with one JSON object" in system and '"content_lines"' in system


def test_llm_down_fills_every_slot_from_templates_without_waiting_out_each_slot(world, chat):
    chat.script = [api_error(503, "Server overloaded", "server_error")] * 100
    fill_buffer(world, generator(world, chat).generate, START)
    assert sources(world) == {"template": SLOTS}
    assert len(chat.server.requests) == 4  # one call's attempts, then the run stops asking
    assert rows(world, "SELECT COUNT(*) FROM ai_usage")[0][0] == 0


def test_safe_fallback_asks_for_a_post_like_the_brands_best(world, chat):
    best = "The Gut Reset Nobody Talks About"
    with world.transaction() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO scheduled_posts (id, user_id, brand_id, platform, content_type,"
                " slot_at, created_by, status, title, created_at, updated_at) VALUES ('old',"
                " 'u1', 'u1-b0', 'instagram', 'carousel', :t, 'toby', 'published', :title, :t, :t)"
            ),
            {"t": START - dt.timedelta(days=9), "title": best},
        )
        connection.execute(
            sa.text(
                "INSERT INTO post_scores (post_id, phase, score_date, toby_score, raw_views_score,"
                " relative_views_score, engagement_score, follower_context_score, views)"
                " VALUES ('old', '7d', :d, 88, 80, 90, 85, 70, 40000)"
            ),
            {"d": (START - dt.timedelta(days=2)).date()},
        )
    chat.script = [api_error(500, "Server error", "server_error")] * 4
    fill_buffer(world, generator(world, chat).generate, START)
    assert sources(world)["llm_similar"] == 1
    assert f"similar to: {best}" in user_messages(chat.server.requests)[4]


def test_an_unsafe_draft_is_rewritten_twice_then_discarded_and_logged(world, chat):
    chat.script = [
        completion(post_json("Sleep Fix", "This tea cures insomnia.", ["Drink it nightly."])),
        completion(post_json("Sleep Fix", "Deep sleep guaranteed.", ["Drink it nightly."])),
        completion(post_json("Sleep Fix", "Take 500 mg of melatonin.", ["Drink it nightly."])),
    ]
    fill_buffer(world, generator(world, chat).generate, START)
    assert sources(world) == {"llm": SLOTS - 1, "template": 1}
    rewrites = user_messages(chat.server.requests)[1:3]
    assert "cure claim" in rewrites[0] and "guarantee" in rewrites[1]
    [(description,)] = rows(
        world, "SELECT description FROM toby_activity_log WHERE action_type = 'content_rejected'"
    )
    assert "after 2 rewrites" in description and "dosage" in description


def test_the_daily_budget_is_never_overspent_and_slots_still_fill(world, chat):
    prices = Prices(10.0, 30.0)  # about a cent a call, to make the budget bite
    with world.transaction() as connection:
        connection.execute(sa.text("UPDATE toby_state SET daily_budget_cents = 10"))
    fill_buffer(world, generator(world, chat, prices).generate, START)
    spent = rows(world, "SELECT COALESCE(SUM(cost_usd), 0) FROM ai_usage")[0][0]
    assert 0 < spent <= 0.10
    counts = sources(world)
    assert counts["llm"] >= 1 and counts["template"] >= 1 and sum(counts.values()) == SLOTS


def test_no_budget_left_means_no_ai_calls(world, chat):
    with world.transaction() as connection:
        connection.execute(sa.text("UPDATE toby_state SET daily_budget_cents = 0"))
    fill_buffer(world, generator(world, chat).generate, START)
    assert chat.server.requests == [] and sources(world) == {"template": SLOTS}


def test_the_asset_reports_how_posts_were_written_and_never_the_key(
    world, database_url, chat, monkeypatch
):
    monkeypatch.setenv("TOBY_LLM_API_KEY", KEY)
    database = TobyDatabaseResource(url=database_url)
    resources = default_resources(
        database=database,
        clock=ClockResource(frozen_at=START.isoformat()),
        media=MediaResource(render=False),
        content_generator=LlmContentGeneratorResource(
            database=database,
            api_key=dg.EnvVar("TOBY_LLM_API_KEY"),
            model="deepseek-v9",
            base_url=chat.server.url,
            price_input_per_million=0.28,
            price_output_per_million=0.42,
        ),
    )
    result = dg.materialize([content_buffer], resources=resources)
    metadata = result.asset_materializations_for_node("content_buffer")[0].metadata
    assert f"| by_source.llm | {SLOTS} |" in metadata["generation"].value
    assert KEY not in str(metadata)
    assert KEY not in str(rows(world, "SELECT description FROM toby_activity_log"))
