"""The publishing platform resources; the simulated platform is the embedded default.

Assets ask for a `PlatformResource`, so any platform that implements the loop's `Platform`
interface can stand behind them (`LivePlatformsResource` in `resources/live_platforms.py`)."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from toby_pipelines.platforms.audiences import load_audience
from toby_pipelines.platforms.base import Platform
from toby_pipelines.platforms.simulated import SimulatedPlatform
from toby_pipelines.resources.database import TobyDatabaseResource

DEFAULT_AUDIENCE = "toby_pipelines.platforms.audiences:health_audience"


class PlatformResource(dg.ConfigurableResource):
    """Where posts are published and measured."""

    def get(self) -> Platform:
        raise NotImplementedError


class SimulatedPlatformResource(PlatformResource):
    """A simulated social platform whose audience is a plain Python function (package.module:function)."""

    database: TobyDatabaseResource
    audience: str = DEFAULT_AUDIENCE
    seed: int = 0

    _platform: SimulatedPlatform | None = PrivateAttr(default=None)

    def get(self) -> SimulatedPlatform:
        if self._platform is None:
            self._platform = SimulatedPlatform(
                self.database.get(), load_audience(self.audience), self.seed
            )
        return self._platform
