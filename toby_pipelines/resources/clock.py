"""One clock for everything that reads 'now', so simulated time can replace the wall clock."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from toby_pipelines.storage.database import utc


class ClockResource(dg.ConfigurableResource):
    """The current time in UTC: the wall clock, or `frozen_at` (ISO 8601) in simulations and tests."""

    frozen_at: str | None = None

    def now(self) -> dt.datetime:
        if self.frozen_at:
            return utc(self.frozen_at)
        return dt.datetime.now(dt.UTC)
