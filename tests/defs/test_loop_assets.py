"""The loop's real assets against real databases (SQLite file and PostgreSQL).

Protects what users rely on: the buffer fills every slot once, posts publish exactly once even
when a run is retried, measuring and scoring land in the tables, re-running days already done
changes nothing, scores read only yesterday's baseline, and bad metrics write nothing.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs

DEFS = load_defs()
TICK = DEFS.resolve_job_def("toby_tick_job")
LEARN = DEFS.resolve_job_def("learning_job")


@pytest.fixture
def world(database, database_url):
    build_world(database)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    return database


def count(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def rows(database, sql, **params):
    with database.engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def tick(url, at, instance):
    return TICK.execute_in_process(resources=resources_for(url, at), instance=instance)


def test_tick_fills_every_slot_once(world, database_url):
    instance = dg.DagsterInstance.ephemeral()
    first = tick(database_url, START, instance)
    # 2 brands x 3 slots a day x 2 buffer days
    assert count(world, "SELECT COUNT(*) FROM scheduled_posts WHERE created_by = 'toby'") == 12
    assert count(world, "SELECT COUNT(*) FROM toby_content_tags") == 12
    metadata = first.asset_materializations_for_node("content_buffer")[0].metadata
    assert metadata["buffer_health"].value == "HEALTHY"
    assert metadata["generated_posts"].value == 12
    [check] = first.get_asset_check_evaluations()
    assert check.passed

    again = tick(database_url, START, instance)
    assert count(world, "SELECT COUNT(*) FROM scheduled_posts") == 12
    assert (
        again.asset_materializations_for_node("content_buffer")[0].metadata["generated_posts"].value
        == 0
    )


def test_a_shared_slots_tick_publishes_and_plans_nothing(world, database_url):
    instance = dg.DagsterInstance.ephemeral()
    tick(database_url, START, instance)
    nine = START + dt.timedelta(hours=9)  # both brands' reel slot
    # Ticks every five minutes: the one before 09:00 has planned the 09:00 slot two days on.
    before = tick(database_url, nine - dt.timedelta(minutes=5), instance)
    at_nine = tick(database_url, nine, instance)

    def value(result, asset, key):
        return result.asset_materializations_for_node(asset)[0].metadata[key].value

    assert value(before, "content_buffer", "generated_posts") == 2
    assert value(at_nine, "content_buffer", "generated_posts") == 0
    assert value(at_nine, "published_posts", "published") == 2


def test_a_stale_database_skips_overdue_posts_instead_of_publishing_them_at_once(
    world, database_url
):
    """Opening the UI on a database last ticked yesterday published every overdue post at
    once, up to 13 hours late. Within the grace a post is still published; beyond it, it is
    skipped, marked failed with the reason, and logged."""
    instance = dg.DagsterInstance.ephemeral()
    tick(database_url, START, instance)  # plans 09:00, 12:00 and 17:00 for two brands
    late = tick(database_url, START + dt.timedelta(hours=18), instance)
    meta = late.asset_materializations_for_node("published_posts")[0].metadata
    # 17:00 is one hour late: published. 09:00 and 12:00 are 9 and 6 hours late: skipped.
    assert meta["published"].value == 2
    assert meta["skipped_overdue"].value == 4
    skipped = rows(
        world,
        "SELECT slot_at, error FROM scheduled_posts WHERE status = 'failed' ORDER BY slot_at",
    )
    assert len(skipped) == 4
    assert all("skipped" in error and "grace" in error for _, error in skipped)
    logged = rows(
        world, "SELECT level, description FROM toby_activity_log WHERE action_type = 'post_skipped'"
    )
    assert len(logged) == 4 and {level for level, _ in logged} == {"warning"}
    assert count(world, "SELECT COUNT(*) FROM sim_platform_media") == 2


def test_buffer_check_fails_when_slots_cannot_be_filled(world, database_url):
    with world.transaction() as connection:
        connection.execute(sa.text("UPDATE toby_state SET enabled = FALSE"))
    instance = dg.DagsterInstance.ephemeral()
    result = tick(database_url, START, instance)
    # Toby is off: nothing is generated and no enabled user means nothing to judge.
    assert count(world, "SELECT COUNT(*) FROM scheduled_posts") == 0
    assert result.get_asset_check_evaluations()[0].passed


def test_publishes_each_post_exactly_once(world, database_url):
    instance = dg.DagsterInstance.ephemeral()
    tick(database_url, START, instance)
    nine = START + dt.timedelta(hours=9)
    result = tick(database_url, nine, instance)
    assert (
        result.asset_materializations_for_node("published_posts")[0].metadata["published"].value
        == 2
    )
    tick(database_url, nine, instance)  # a repeated run publishes nothing new
    assert count(world, "SELECT COUNT(*) FROM scheduled_posts WHERE status = 'published'") == 2
    assert count(world, "SELECT COUNT(*) FROM sim_platform_media") == 2

    # A run that crashed after the platform published but before recording it: the retry
    # finishes the post with the same media and the platform holds it once.
    noon = START + dt.timedelta(hours=12)
    platform = resources_for(database_url, noon)["platform"].get()
    from toby_pipelines.loop.publish import publish_due

    with world.transaction() as connection:
        connection.execute(
            sa.text("UPDATE scheduled_posts SET status = 'publishing' WHERE slot_at = :t"),
            {"t": noon},
        )
    from toby_pipelines.storage.posts import due_posts

    with world.engine.connect() as connection:
        crashed = due_posts(connection, noon, 10)
    from toby_pipelines.platforms.base import PublishRequest

    for post in crashed:
        platform.publish(
            PublishRequest(
                post.id,
                post.user_id,
                post.brand_id,
                post.platform,
                post.account_handle,
                post.content_type,
                post.title,
                post.caption,
                post.options,
            ),
            noon,
        )
    summary = publish_due(world, platform, noon)
    assert len(summary.published) == 2
    assert count(world, "SELECT COUNT(*) FROM sim_platform_media") == 4
    assert count(world, "SELECT COUNT(*) FROM scheduled_posts WHERE status = 'published'") == 4
    assert (
        count(world, "SELECT COUNT(*) FROM toby_activity_log WHERE action_type = 'published'") == 4
    )


DERIVED = {
    "metrics_snapshots": "SELECT * FROM metrics_snapshots ORDER BY post_id, checkpoint",
    "post_scores": "SELECT * FROM post_scores ORDER BY post_id, phase",
    "brand_baselines": "SELECT * FROM brand_baselines ORDER BY as_of_date, brand_id, content_type",
    "toby_strategy_scores": "SELECT * FROM toby_strategy_scores ORDER BY as_of_date, brand_id,"
    " content_type, dimension, option_value",
    "toby_activity_log": "SELECT id, description, created_at FROM toby_activity_log ORDER BY id",
}


def dump(database):
    with database.engine.connect() as connection:
        return {
            name: [tuple(r) for r in connection.execute(sa.text(sql))]
            for name, sql in DERIVED.items()
        }


def test_loop_measures_scores_and_learns_and_backfills_change_nothing(world, database_url):
    instance = run_days(DEFS, database_url, 10)
    assert count(world, "SELECT COUNT(*) FROM metrics_snapshots WHERE checkpoint = '7d'") > 0
    assert count(world, "SELECT COUNT(DISTINCT phase) FROM post_scores") == 2
    assert count(world, "SELECT COUNT(*) FROM brand_baselines") > 0
    assert count(world, "SELECT COUNT(*) FROM toby_strategy_scores WHERE sample_count > 0") > 0
    # One row per option, the newest: the table grows with brands and options, not with days.
    assert count(world, "SELECT COUNT(DISTINCT as_of_date) FROM toby_strategy_scores") == 1
    assert count(world, "SELECT COUNT(*) FROM toby_strategy_scores") == count(
        world,
        "SELECT COUNT(*) FROM (SELECT DISTINCT brand_id, content_type, dimension, option_value"
        " FROM toby_strategy_scores) AS options",
    )
    assert (
        count(
            world, "SELECT COUNT(*) FROM toby_activity_log WHERE action_type = 'analysis_completed'"
        )
        > 0
    )

    before = dump(world)
    # A backfill of every complete day, run later (the clock has moved on a day).
    end = START + dt.timedelta(days=11)
    for offset in range(9):
        day = (START + dt.timedelta(days=offset)).date().isoformat()
        LEARN.execute_in_process(
            resources=resources_for(database_url, end), instance=instance, partition_key=day
        )
    assert dump(world) == before


def test_measuring_keeps_each_accounts_follower_count_current(world, database_url):
    registered = dict(rows(world, "SELECT brand_id, followers_count FROM platform_accounts"))
    run_days(DEFS, database_url, 3)
    newest: dict[str, int] = {}
    for brand_id, followers in rows(
        world,
        "SELECT p.brand_id, s.followers_at_capture FROM metrics_snapshots s"
        " JOIN scheduled_posts p ON p.id = s.post_id ORDER BY s.checkpoint_at",
    ):
        newest[brand_id] = followers
    current = dict(rows(world, "SELECT brand_id, followers_count FROM platform_accounts"))
    assert newest and {b: current[b] for b in newest} == newest
    assert any(newest[b] != registered[b] for b in newest)  # the audience grew meanwhile


def test_scores_use_the_baseline_of_the_day_before(world, database_url):
    run_days(DEFS, database_url, 9)
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT s.phase, s.score_date, s.baseline_avg_views, b.avg_views_48h, b.avg_views_7d"
                " FROM post_scores s JOIN scheduled_posts p ON p.id = s.post_id"
                " LEFT JOIN brand_baselines b ON b.brand_id = p.brand_id"
                " AND b.content_type = p.content_type AND b.as_of_date = :prev"
                " WHERE s.score_date = :day"
            ),
            {"day": dt.date(2026, 3, 10), "prev": dt.date(2026, 3, 9)},
        ).all()
    assert rows
    for phase, _, used, avg48, avg7 in rows:
        assert used == pytest.approx(avg48 if phase == "48h" else avg7)


def test_bad_metric_rows_are_rejected_by_name_and_the_rest_of_the_day_is_written(
    world, database_url
):
    audience = "tests.bad_audiences:negative_views_for_carousels"
    instance = dg.DagsterInstance.ephemeral()
    day_one = START + dt.timedelta(hours=12)
    for at in (START, START + dt.timedelta(hours=9), day_one):
        TICK.execute_in_process(
            resources=resources_for(database_url, at, audience), instance=instance
        )
    late = START + dt.timedelta(hours=23)
    result = LEARN.execute_in_process(
        resources=resources_for(database_url, late, audience),
        instance=instance,
        partition_key=START.date().isoformat(),
    )
    assert result.success  # downstream assets ran for everyone
    [event] = [
        e.event_specific_data.materialization
        for e in result.all_events
        if e.is_step_materialization and e.step_key == "metrics_snapshots"
    ]
    rejected = event.metadata["rejected_rows"].value
    assert (
        "post u1-b0:carousel:20260302T1200Z: field 'views' is negative: -1 (checkpoint 6h)"
        in rejected
    )
    assert (
        "post u1-b1:carousel:20260302T1200Z: field 'views' is negative: -1 (checkpoint 6h)"
        in rejected
    )
    # Only the bad rows are missing: both brands' reels are written.
    stored = {r[0] for r in rows(world, "SELECT post_id FROM metrics_snapshots")}
    assert stored == {"u1-b0:reel:20260302T0900Z", "u1-b1:reel:20260302T0900Z"}
    failures = rows(world, "SELECT post_id, status, reason FROM capture_failures")
    assert {(p, s) for p, s, _ in failures} == {
        ("u1-b0:carousel:20260302T1200Z", "retrying"),
        ("u1-b1:carousel:20260302T1200Z", "retrying"),
    }
    assert all("'views' is negative: -1" in reason for _, _, reason in failures)


def test_the_ui_metadata_reads_as_tables_with_titles_and_leaders(world, database_url):
    """Issue 13: the phase was raw JSON, options unsorted, published posts internal ids."""
    instance = run_days(DEFS, database_url, 3)

    def latest(asset):
        record = instance.get_latest_materialization_event(dg.AssetKey(asset))
        return record.asset_materialization.metadata

    posteriors = latest("strategy_posteriors")
    assert "| u1 |" in posteriors["phases"].value  # a table, not JSON
    options = posteriors["options"].value.splitlines()[2:]
    first = options[0].split(" | ")
    assert "(leader)" in first[3]
    leaders = [row for row in options if "(leader)" in row]
    assert len(leaders) == len({tuple(r.split(" | ")[:3]) for r in options if r.startswith("|")})
    assert "post(s) of" in posteriors["experiments"].value
    published = latest("published_posts")["preview"].value
    titles = {
        t for (t,) in rows(world, "SELECT title FROM scheduled_posts WHERE status = 'published'")
    }
    assert any(title in published for title in titles)

    # Every asset's metadata is tables and named values: none of it is raw JSON.
    as_json = {
        (key.to_user_string(), name)
        for key in instance.get_asset_keys()
        if (record := instance.get_latest_materialization_event(key)) is not None
        for name, value in record.asset_materialization.metadata.items()
        if isinstance(value, dg.JsonMetadataValue)
    }
    assert as_json == set()
