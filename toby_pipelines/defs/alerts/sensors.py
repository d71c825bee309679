import dagster as dg

from toby_pipelines.loop.alerts import deliver_incidents
from toby_pipelines.resources.alerts import AlertsResource
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts each new incident (a brand's token rejected or refreshed, a platform "
    "circuit opened or closed, learning failing for a user, a buffer turning CRITICAL, a budget "
    "tier reached) to the alert webhook, once; a failed delivery is retried on the next tick.",
)
def incident_alerts_sensor(
    database: TobyDatabaseResource, alerts: AlertsResource, clock: ClockResource
) -> dg.SkipReason:
    sender = alerts.sender()
    if sender is None:
        return dg.SkipReason("no alert webhook configured (TOBY_ALERT_WEBHOOK_URL)")
    summary = deliver_incidents(database.get(), sender, clock.now())
    failed = f"; delivery failed, retried next tick: {summary.failed[0]}" if summary.failed else ""
    return dg.SkipReason(f"delivered {summary.delivered} incident(s){failed}")
