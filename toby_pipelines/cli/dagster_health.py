"""What `toby status` says of Dagster itself: whether a daemon runs the schedules and sensors
(without one, "Toby is ON" plans, publishes and learns nothing) and whether the last learning
run failed as a whole (a user's own failure is in unit_failures and said there)."""

from __future__ import annotations

import os

# The daemons that run Toby: the 5-minute tick and daily learning (schedules), captures and
# alerts (sensors).
DAEMONS = ("SCHEDULER", "SENSOR")
LEARNING_JOB = "learning_job"


def dagster_warnings() -> list[str]:
    """One line per problem; none when a daemon is alive and the last learning run did not fail."""
    if not os.environ.get("DAGSTER_HOME"):
        return [
            "no Dagster daemon can be running here: DAGSTER_HOME is not set, so nothing runs the"
            " schedules and sensors that plan, publish, measure and learn (start them with"
            " `make dev`, or `dagster-daemon run` with DAGSTER_HOME set)"
        ]
    import dagster as dg

    try:
        instance = dg.DagsterInstance.get()
    except Exception as error:  # a broken instance is reported, not raised: status must answer
        return [f"the Dagster instance in DAGSTER_HOME cannot be opened: {error}".splitlines()[0]]
    with instance:
        return _daemon_warnings(instance) + _learning_warnings(instance)


def _daemon_warnings(instance) -> list[str]:
    statuses = instance.get_daemon_statuses(list(DAEMONS))
    down = [kind for kind, s in statuses.items() if s.required and not s.healthy]
    if not down:
        return []
    return [
        f"no Dagster daemon is running ({', '.join(sorted(down)).lower()} without a recent"
        " heartbeat): Toby's schedules and sensors do nothing until one runs (`make dev`, or"
        " `dagster-daemon run`)"
    ]


def _learning_warnings(instance) -> list[str]:
    import dagster as dg

    runs = instance.get_runs(filters=dg.RunsFilter(job_name=LEARNING_JOB), limit=1)
    if not runs or runs[0].status != dg.DagsterRunStatus.FAILURE:
        return []
    run = runs[0]
    partition = run.tags.get("dagster/partition", "no partition")
    return [
        f"last learning run failed ({run.run_id[:8]}, {partition}): see it in the Dagster UI;"
        " the next scheduled run retries"
    ]
