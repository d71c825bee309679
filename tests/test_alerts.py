"""Incidents reach people: one per change of state, posted to a Slack-compatible webhook (a
real local HTTP server here), kept and retried when the webhook is down, never with a secret."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from tests.fakes.http_server import LocalServer, Reply
from tests.world import START, build_world
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.resources.alerts import AlertsResource
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.storage.incidents import record_transition

SENSOR = load_defs().resolve_sensor_def("incident_alerts_sensor")


def transition(database, state, at):
    with database.transaction() as connection:
        return record_transition(
            connection, subject="user:u1", condition="buffer", state=state,
            severity="critical" if state == "critical" else "info",
            description=f"buffer {state} (token EAAG-leaky-secret-token)", now=at, user_id="u1",
        )  # fmt: skip


def tick(database_url, webhook_url, at):
    with dg.build_sensor_context(
        resources={
            "database": TobyDatabaseResource(url=database_url),
            "alerts": AlertsResource(webhook_url=webhook_url),
            "clock": ClockResource(frozen_at=at.isoformat()),
        }
    ) as context:
        return SENSOR(context)


def test_one_incident_per_transition_posted_once_and_retried_when_the_webhook_fails(
    database, database_url
):
    build_world(database, brands_per_user=1)
    assert transition(database, "critical", START)
    assert not transition(database, "critical", START + dt.timedelta(minutes=5))  # a retry
    assert transition(database, "ok", START + dt.timedelta(minutes=10))
    received = []
    with LocalServer(lambda request: received.append(request.body) or Reply(200, "ok")) as hook:
        hook.fail_next("/hooks", Reply(500, {"error": "down"}))
        first = tick(database_url, f"{hook.url}/hooks/T000/B000/secretpart", START)
        assert "delivery failed" in first.skip_message and received == []
        second = tick(database_url, f"{hook.url}/hooks/T000/B000/secretpart", START)
        assert "delivered 2" in second.skip_message
        third = tick(database_url, f"{hook.url}/hooks/T000/B000/secretpart", START)
        assert "delivered 0" in third.skip_message  # each incident once
    texts = [body["text"] for body in received]
    assert len(texts) == 2 and "critical" in texts[0] and "ok" in texts[1]
    assert all("EAAG-leaky-secret-token" not in text for text in texts)
