"""Drive the real Dagster jobs, schedule and sensor through simulated time.

At each event time (every distinct slot time of the day) the driver runs the 5-minute tick job
as the schedule would, then evaluates the checkpoint sensor and executes the learning runs it
requests, all with the clock resource frozen at that simulated moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import dagster as dg

from toby_pipelines.buffer.slots import parse_slot_time
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.simulation.interrupts import stop_requested
from toby_pipelines.storage.brands import slot_times_by_brand

ResourcesAt = Callable[[dt.datetime], dict]
# Simulated runs keep their events in the instance but print only errors.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def event_times(
    database: TobyDatabaseResource, start: dt.datetime, days: int
) -> Iterator[dt.datetime]:
    with database.get().engine.connect() as connection:
        slots = slot_times_by_brand(connection)
    values = {t for per_type in slots.values() for ts in per_type.values() for t in ts}
    # A slot time that cannot be read is its brand's problem: the tick records it for that user.
    times = sorted({time for value in values if (time := _readable(value)) is not None})
    for offset in range(days):
        day = start.date() + dt.timedelta(days=offset)
        for time in times:
            at = dt.datetime.combine(day, time, tzinfo=dt.UTC)
            if at >= start:
                yield at


def _readable(value: str) -> dt.time | None:
    try:
        return parse_slot_time(value)
    except ValueError:
        return None


class SimulationDriver:
    def __init__(
        self, defs: dg.Definitions, instance: dg.DagsterInstance, resources_at: ResourcesAt
    ) -> None:
        self.defs = defs
        self.instance = instance
        self.resources_at = resources_at
        self.tick_job = defs.resolve_job_def("toby_tick_job")
        self.learning_job = defs.resolve_job_def("learning_job")
        self.sensor = defs.resolve_sensor_def("metrics_checkpoint_sensor")
        self.cursor: str | None = None
        self.runs = 0

    def tick(self, at: dt.datetime, *, publish_and_plan: bool = True) -> None:
        """The tick job (unless `publish_and_plan` is off), then the checkpoint sensor and the
        learning runs it asks for; after a Ctrl-C (`interrupts`), KeyboardInterrupt instead."""
        if stop_requested():
            raise KeyboardInterrupt
        resources = self.resources_at(at)
        if publish_and_plan:
            self.tick_job.execute_in_process(
                resources=resources,
                instance=self.instance,
                run_config=QUIET,
                tags={"toby/simulated_at": at.isoformat()},
            )
            self.runs += 1
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=resources, definitions=self.defs
        ) as context:
            data = self.sensor.evaluate_tick(context)
        self.cursor = data.cursor
        for request in data.run_requests or []:
            self.learning_job.execute_in_process(
                resources=resources,
                instance=self.instance,
                partition_key=request.partition_key,
                run_config=QUIET,
                tags={**request.tags, "toby/simulated_at": at.isoformat()},
            )
            self.runs += 1


def with_clock(resources: dict, at: dt.datetime) -> dict:
    return {**resources, "clock": ClockResource(frozen_at=at.isoformat())}
