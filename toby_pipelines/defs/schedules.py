import dagster as dg

from toby_pipelines.defs.jobs import toby_tick_job

toby_tick_schedule = dg.ScheduleDefinition(
    name="toby_tick_schedule",
    job=toby_tick_job,
    cron_schedule="*/5 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Toby's 5-minute tick (spec section 8.1): keep the buffer full, publish what is due.",
)
