"""The learning job as other processes rebuild it: Celery workers and `execute_job` load the
job by this function's module path (`dg.reconstructable`), with the same environment (database,
TOBY_LEARNING_SHARDS, TOBY_EXECUTOR) as the code location."""

from __future__ import annotations

import dagster as dg


def learning_job() -> dg.JobDefinition:
    from toby_pipelines.definitions import defs

    return defs().resolve_job_def("learning_job")
