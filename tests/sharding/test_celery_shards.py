"""A day's learning runs as user shards on Dagster's Celery executor, on real workers.

Four users' brands publish for four days through the real loop (one shard, in this process).
Then, with TOBY_LEARNING_SHARDS=2 and TOBY_EXECUTOR=celery, both shards of the next day are
launched at once: their steps go through the machine's RabbitMQ (127.0.0.1:5672) to two Celery
workers (`celery -A dagster_celery.app worker`, one step at a time each). Every step succeeds
on a worker process, both workers take steps, the two shards' runs overlap in time, and each
shard scores exactly its own users' posts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.world import build_world, register_accounts, resources_for
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.sharding.shards import shard_of
from toby_pipelines.simulation.driver import SimulationDriver, event_times
from toby_pipelines.storage.database import Database

ROOT = Path(__file__).resolve().parents[2]
USERS = ("ua", "ub", "uc", "ud")
BROKER = ("127.0.0.1", 5672)
ON_CI = os.environ.get("CI", "").lower() == "true"


def _broker_up() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("workers in other processes share the PostgreSQL database")
    return database_url


def test_a_days_shards_run_in_parallel_on_celery_workers(postgres_url, tmp_path):
    if not _broker_up():
        if ON_CI:
            pytest.fail("RabbitMQ at 127.0.0.1:5672 is required under CI=true")
        pytest.skip("RabbitMQ not reachable at 127.0.0.1:5672")
    assert {shard_of(u, 2) for u in USERS} == {0, 1}, "both shards have users"
    start = dt.datetime.combine(dt.date.today() - dt.timedelta(days=6), dt.time(), tzinfo=dt.UTC)
    database = Database(postgres_url)
    database.migrate()
    build_world(database, users=USERS, brands_per_user=1, now=start)
    register_accounts(database, resources_for(postgres_url, start)["platform"].get())
    driver = SimulationDriver(
        load_defs(), dg.DagsterInstance.ephemeral(), lambda at: resources_for(postgres_url, at)
    )
    for at in event_times(TobyDatabaseResource(url=postgres_url), start, 4):
        driver.tick(at)
    day = (start + dt.timedelta(days=4)).date()
    with database.transaction() as connection:  # the sharded runs redo this day from scratch
        connection.execute(sa.text("DELETE FROM post_scores WHERE score_date = :d"), {"d": day})

    home = tmp_path / "dagster_home"
    home.mkdir()
    # Dagster's own storage on PostgreSQL too, as in production: several processes write it.
    instance_url = sa.engine.make_url(postgres_url).set(drivername="postgresql+psycopg2")
    (home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url: "
        f"'{instance_url.render_as_string(hide_password=False)}'\n"
        "telemetry:\n  enabled: false\n"
    )
    dg.DagsterInstance.from_config(str(home)).dispose()  # its schema, made once
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_CELERY_BROKER_HOST": BROKER[0],
        "TOBY_DATABASE_URL": postgres_url,
        "TOBY_LEARNING_SHARDS": "2",
        "TOBY_EXECUTOR": "celery",
        "PYTHONPATH": str(ROOT),
    }
    celery = str(Path(sys.executable).parent / "celery")
    log = (tmp_path / "workers.log").open("w")
    workers = [
        subprocess.Popen(
            [
                celery,
                "-A",
                "dagster_celery.app",
                "worker",
                "--pool=solo",
                "-Q",
                "dagster",
                "-n",
                f"toby-test-{index}-{os.getpid()}@%h",
                "--loglevel=WARNING",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for index in range(2)
    ]
    try:
        time.sleep(3)  # workers connect to the broker
        drivers = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "tests" / "sharding" / "run_sharded_day.py"),
                    day.isoformat(),
                    (start + dt.timedelta(days=5)).isoformat(),
                    str(shard),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for shard in range(2)
        ]
        outputs = [driver.communicate(timeout=300) for driver in drivers]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        log.close()
    for driver, (_, err) in zip(drivers, outputs, strict=True):
        assert driver.returncode == 0, err[-3000:] + (tmp_path / "workers.log").read_text()[-3000:]
    runs = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]

    assert len(runs) == 2 and all(run["success"] for run in runs), runs
    worker_pids = {worker.pid for worker in workers}
    steps = [step for run in runs for step in run["steps"].values()]
    assert len(steps) == 2 * 4
    assert all(step["outcome"] == "STEP_SUCCESS" for step in steps)
    assert {step["pid"] for step in steps} == worker_pids  # every step on a worker, both used
    first, second = (
        (
            min(s["start"] for s in run["steps"].values()),
            max(s["end"] for s in run["steps"].values()),
        )
        for run in runs
    )
    assert first[0] < second[1] and second[0] < first[1], "the shards ran at the same time"

    with database.engine.connect() as connection:
        scored = connection.execute(
            sa.text(
                "SELECT DISTINCT p.user_id FROM post_scores s JOIN scheduled_posts p"
                " ON p.id = s.post_id WHERE s.score_date = :d"
            ),
            {"d": day},
        ).scalars()
        assert set(scored) == set(USERS)
        failures = connection.execute(sa.text("SELECT COUNT(*) FROM unit_failures")).scalar()
    assert failures == 0
    database.dispose()
