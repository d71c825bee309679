import datetime as dt

import dagster as dg

from toby_pipelines.defs.jobs import learning_job
from toby_pipelines.defs.partitions import learning_partition_keys
from toby_pipelines.loop.checkpoint_requests import due_days, retry_days
from toby_pipelines.metrics.checkpoints import LONGEST_CHECKPOINT
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.storage.database import utc

# Bounded work per tick, far inside the 60 s sensor timeout; the cursor carries the rest.
MAX_DAYS_PER_TICK = 14


@dg.sensor(
    job=learning_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests the day's learning run (metrics, scores, baselines, posteriors) when "
    "published posts cross a checkpoint age (6h, 24h, 48h, 72h, 7d), and again when a failed "
    "capture or one user's failed learning of a day is due to be retried.",
)
def metrics_checkpoint_sensor(
    context: dg.SensorEvaluationContext, database: TobyDatabaseResource, clock: ClockResource
) -> dg.SensorResult:
    now = clock.now()
    # A first tick looks back one full measurement cycle so nothing pending is missed.
    since = (
        utc(context.cursor) if context.cursor else now - LONGEST_CHECKPOINT - dt.timedelta(days=1)
    )
    days, cursor = due_days(database.get(), since, now, MAX_DAYS_PER_TICK)
    requested = {due.day for due in days}
    # One run per day, or per day and user shard when the learning is sharded.
    retrying = [(day, at) for day, at in retry_days(database.get(), now) if day not in requested]
    retries = [
        dg.RunRequest(
            run_key=f"{key}@retry@{at.isoformat()}",
            partition_key=key,
            tags={"toby/retry": "failed captures or learning"},
        )
        for day, at in retrying[:MAX_DAYS_PER_TICK]
        for key in learning_partition_keys(day)
    ]
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{key}@{due.latest_at.isoformat()}",
                partition_key=key,
                tags={"toby/checkpoints": str(due.checkpoints)},
            )
            for due in days
            for key in learning_partition_keys(due.day)
        ]
        + retries,
        cursor=cursor.isoformat(),
    )
