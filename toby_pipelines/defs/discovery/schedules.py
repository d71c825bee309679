import dagster as dg

from toby_pipelines.defs.jobs import discovery_job

discovery_schedule = dg.ScheduleDefinition(
    name="discovery_schedule",
    job=discovery_job,
    cron_schedule="*/20 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every 20 minutes, run the discovery scans that are due (spec section 5.7 cadence).",
)
