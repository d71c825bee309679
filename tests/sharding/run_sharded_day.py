"""Run one shard of a day's learning job, as a run launcher would (a process per run), and
print what ran where as JSON. test_celery_shards.py starts one per shard at once; their
environment (DAGSTER_HOME, TOBY_DATABASE_URL, TOBY_LEARNING_SHARDS, TOBY_EXECUTOR) is the
Celery workers' too."""

from __future__ import annotations

import datetime as dt
import json
import sys

import dagster as dg

from toby_pipelines.defs.partitions import learning_partition_keys
from toby_pipelines.sharding.workers import learning_job


def run_shard(instance: dg.DagsterInstance, key: dg.MultiPartitionKey, frozen_at: str) -> dict:
    tags = {"dagster/partition": str(key)}
    tags.update({f"dagster/partition/{d}": v for d, v in key.keys_by_dimension.items()})
    result = dg.execute_job(
        dg.reconstructable(learning_job),
        instance=instance,
        tags=tags,
        run_config={"resources": {"clock": {"config": {"frozen_at": frozen_at}}}},
    )
    steps: dict[str, dict] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        step = steps.setdefault(event.step_key, {})
        if event.event_type_value == "STEP_START":
            step.update(pid=event.pid, start=entry.timestamp)
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            step.update(end=entry.timestamp, outcome=event.event_type_value)
    failures = [
        entry.message or str(entry.dagster_event.event_specific_data)
        for entry in instance.all_logs(result.run_id)
        if entry.dagster_event is not None and entry.dagster_event.is_failure
    ]
    return {"key": str(key), "success": result.success, "steps": steps, "failures": failures}


def main() -> None:
    day, frozen_at, shard = sys.argv[1], sys.argv[2], int(sys.argv[3])
    key = learning_partition_keys(dt.date.fromisoformat(day))[shard]
    with dg.DagsterInstance.get() as instance:
        print(json.dumps(run_shard(instance, key, frozen_at)))


if __name__ == "__main__":
    main()
