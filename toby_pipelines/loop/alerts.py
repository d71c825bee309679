"""Deliver the incidents not yet sent to the alert webhook, oldest first; a failed delivery is
kept with its reason and tried again on the next run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from toby_pipelines.alerts.webhook import WebhookSender
from toby_pipelines.loop.isolation import describe
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.incidents import mark_notified, unnotified_incidents

MAX_PER_RUN = 50


@dataclass
class DeliverySummary:
    delivered: int = 0
    failed: list[str] = field(default_factory=list)


def deliver_incidents(
    database: Database, sender: WebhookSender, now: dt.datetime, limit: int = MAX_PER_RUN
) -> DeliverySummary:
    summary = DeliverySummary()
    with database.engine.connect() as connection:
        pending = unnotified_incidents(connection, limit)
    for incident in pending:
        try:
            sender.send(incident)
        except Exception as error:  # the webhook is down: keep it for the next run
            reason = describe(error)
            with database.transaction() as connection:
                mark_notified(connection, incident.id, now, error=reason)
            summary.failed.append(reason)
            break  # the rest would fail the same way; keep their order
        with database.transaction() as connection:
            mark_notified(connection, incident.id, now)
        summary.delivered += 1
    return summary
