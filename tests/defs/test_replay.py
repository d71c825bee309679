"""Every planned post's strategy choice replays bit-exactly from the database (issue 12,
defect 4): the posterior version it sampled is kept under its hash and never rewritten, and the
post's decision record holds the rest. Through the real jobs, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.loop.replay import replay_choice
from toby_pipelines.strategy.dimensions import DIMENSIONS

DEFS = load_defs()


def test_every_planned_choice_replays_exactly_and_versions_never_change(database, database_url):
    build_world(database, users=("u1", "u2"), brands_per_user=2)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    instance = run_days(DEFS, database_url, 8)
    with database.engine.connect() as connection:
        tags = connection.execute(
            sa.text(
                "SELECT post_id, is_experiment, experiment_dimension, propensity,"
                " option_propensities, "
                + ", ".join(DIMENSIONS)
                + " FROM toby_content_tags ORDER BY post_id"
            )
        ).all()
        versions = dict(
            connection.execute(sa.text("SELECT id, body FROM posterior_versions")).all()
        )
        replayed = {row.post_id: replay_choice(connection, row.post_id) for row in tags}
    assert len(tags) > 100
    assert sum(row.is_experiment for row in tags) > 0  # experiment turns replay too
    assert len(versions) > 10  # posteriors learned day by day: many versions
    for row in tags:
        choice = replayed[row.post_id]
        assert choice is not None, row.post_id
        assert choice.options == {d: getattr(row, d) for d in DIMENSIONS}, row.post_id
        assert choice.is_experiment == bool(row.is_experiment)
        assert choice.experiment_dimension == row.experiment_dimension
        assert choice.propensity == row.propensity  # bit for bit
        assert choice.option_propensities == json.loads(row.option_propensities)
    for version_id, body in versions.items():
        assert hashlib.sha256(body.encode()).hexdigest() == version_id

    # Learning re-run for past days (a backfill) rewrites posteriors, never a version.
    later = START + dt.timedelta(days=9)
    for offset in (3, 6):
        day = (START + dt.timedelta(days=offset)).date().isoformat()
        DEFS.resolve_job_def("learning_job").execute_in_process(
            resources=resources_for(database_url, later), instance=instance, partition_key=day
        )
    with database.engine.connect() as connection:
        after = dict(connection.execute(sa.text("SELECT id, body FROM posterior_versions")).all())
    assert after == versions
