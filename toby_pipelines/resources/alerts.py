"""Where incidents are posted: a Slack-compatible webhook (TOBY_ALERT_WEBHOOK_URL), or nowhere."""

from __future__ import annotations

import dagster as dg

from toby_pipelines.alerts.webhook import WebhookSender


class AlertsResource(dg.ConfigurableResource):
    """`webhook_url` comes in as dg.EnvVar("TOBY_ALERT_WEBHOOK_URL"): the URL is a secret."""

    webhook_url: str | None = None

    def sender(self) -> WebhookSender | None:
        return WebhookSender(self.webhook_url) if self.webhook_url else None
