"""Posting an incident to a Slack-compatible incoming webhook (`{"text": ...}`; Slack, Mattermost,
Discord's /slack endpoint and most chat tools accept it). The webhook URL is itself a secret: it
is registered for scrubbing and never shown."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from toby_pipelines.credentials.scrub import register_secret
from toby_pipelines.storage.incidents import Incident

ICONS = {"critical": ":red_circle:", "warning": ":large_orange_circle:", "info": ":white_circle:"}


def slack_message(incident: Incident) -> dict:
    icon = ICONS.get(incident.severity, "")
    return {
        "text": f"{icon} Toby [{incident.severity}] {incident.subject} {incident.condition}:"
        f" {incident.state}. {incident.description}".strip(),
    }


@dataclass
class WebhookSender:
    url: str = field(repr=False)
    timeout_seconds: float = 10.0
    transport: httpx.BaseTransport | None = None

    def __post_init__(self) -> None:
        register_secret(self.url)

    def send(self, incident: Incident) -> None:
        """Post one incident; raises on any failure (the caller keeps it for the next try)."""
        with httpx.Client(timeout=self.timeout_seconds, transport=self.transport) as http:
            response = http.post(self.url, json=slack_message(incident))
        if not response.is_success:
            raise RuntimeError(f"the alert webhook answered HTTP {response.status_code}")
