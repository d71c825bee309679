"""The checkpoint sensor requests the right day partitions and moves its cursor, in pages."""

import datetime as dt

import dagster as dg
import pytest

from tests.world import START, build_world, register_accounts, resources_for
from toby_pipelines.definitions import defs
from toby_pipelines.loop.publish import publish_due

DEFS = defs()
SENSOR = DEFS.resolve_sensor_def("metrics_checkpoint_sensor")


@pytest.fixture
def published(database, database_url):
    build_world(database)
    resources = resources_for(database_url, START)
    register_accounts(database, resources["platform"].get())
    tick = DEFS.resolve_job_def("toby_tick_job")
    instance = dg.DagsterInstance.ephemeral()
    for hours in (0, 9):
        tick.execute_in_process(
            resources=resources_for(database_url, START + dt.timedelta(hours=hours)),
            instance=instance,
        )
    return database


def evaluate(database_url, at, cursor):
    with dg.build_sensor_context(
        cursor=cursor, resources=resources_for(database_url, at), definitions=DEFS
    ) as context:
        return SENSOR.evaluate_tick(context)


def test_requests_the_days_where_checkpoints_were_crossed(published, database_url):
    nine = START + dt.timedelta(hours=9)
    # 09:00 posts reach 6h at 15:00 and 24h at 09:00 the next day.
    data = evaluate(database_url, START + dt.timedelta(days=1, hours=10), nine.isoformat())
    assert sorted(r.partition_key for r in data.run_requests) == ["2026-03-02", "2026-03-03"]
    assert data.cursor == (START + dt.timedelta(days=1, hours=10)).isoformat()
    # Nothing new since the cursor: no request.
    again = evaluate(database_url, START + dt.timedelta(days=1, hours=10), data.cursor)
    assert again.run_requests == []


def test_run_keys_change_only_with_new_checkpoints(published, database_url):
    nine = START + dt.timedelta(hours=9)
    first = evaluate(database_url, START + dt.timedelta(hours=16), nine.isoformat())
    assert [r.run_key for r in first.run_requests] == ["2026-03-02@2026-03-02T15:00:00+00:00"]


def test_pages_through_many_days(published, database_url, monkeypatch):
    import toby_pipelines.defs.metrics.sensors as sensors

    monkeypatch.setattr(sensors, "MAX_DAYS_PER_TICK", 1)
    nine = START + dt.timedelta(hours=9)
    data = evaluate(database_url, START + dt.timedelta(days=3), nine.isoformat())
    assert [r.partition_key for r in data.run_requests] == ["2026-03-02"]
    assert data.cursor == (START + dt.timedelta(hours=15)).isoformat()


def test_publish_due_is_a_no_op_without_due_posts(published, database_url):
    platform = resources_for(database_url, START)["platform"].get()
    assert publish_due(published, platform, START).published == []


def test_failed_captures_are_asked_for_again_when_their_retry_is_due(published, database_url):
    from toby_pipelines.storage.capture_failures import record_capture_failure

    nine = START + dt.timedelta(hours=9)
    failed_at = START + dt.timedelta(hours=15, minutes=1)
    with published.transaction() as connection:
        record_capture_failure(
            connection, post_id="u1-b0:reel:20260302T0900Z", checkpoint="6h",
            checkpoint_at=nine + dt.timedelta(hours=6), day=START.date(), brand_id="u1-b0",
            reason="instagram: server error (HTTP 503)", give_up_at=nine + dt.timedelta(hours=12),
            now=failed_at,
        )  # fmt: skip
    cursor = failed_at.isoformat()  # the checkpoint itself was already requested
    assert evaluate(database_url, failed_at + dt.timedelta(minutes=2), cursor).run_requests == []
    due = evaluate(database_url, failed_at + dt.timedelta(minutes=6), cursor)
    [request] = due.run_requests
    assert request.partition_key == "2026-03-02" and "@retry@" in request.run_key
