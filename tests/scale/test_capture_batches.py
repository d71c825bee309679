"""Captures are read, made and written a batch of users at a time (memory bounded by a batch):
the day's snapshots, per-brand counts and failures are the same whatever the batch size."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.loop import measure

USERS = ("u1", "u2", "u3", "u4", "u5")  # one brand each: batches of 2 split them 2-2-1


def _captured(database, day, now, platform):
    summary = measure.capture_snapshots(database, platform, day, now)
    with database.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT post_id, checkpoint, views FROM metrics_snapshots ORDER BY 1, 2")
        ).all()
    return summary, stored


def test_batches_of_users_capture_exactly_what_one_batch_does(database, database_url, monkeypatch):
    build_world(database, users=USERS, brands_per_user=1)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(load_defs(), database_url, 3)
    day = (START + dt.timedelta(days=2)).date()
    now = START + dt.timedelta(days=3)
    platform = resources_for(database_url, now)["platform"].get()

    whole, stored = _captured(database, day, now, platform)
    monkeypatch.setattr(measure, "USERS_PER_CAPTURE", 2)
    monkeypatch.setattr(measure, "PREVIEW_SNAPSHOTS", 3)
    batched, stored_again = _captured(database, day, now, platform)

    assert whole.snapshot_count > 20 and batched.snapshot_count == whole.snapshot_count
    assert len(batched.snapshots) == 3  # a preview; the rest are counted
    assert batched.by_checkpoint == whole.by_checkpoint
    assert {b: c.captured for b, c in batched.by_brand.items()} == {
        b: c.captured for b, c in whole.by_brand.items()
    }
    assert len(batched.by_brand) == len(USERS)
    assert stored_again == stored
