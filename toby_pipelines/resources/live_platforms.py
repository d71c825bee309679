"""The live platforms as one resource (TOBY_PLATFORM=live, instagram or x): each brand publishes
and is measured on the platform of its own account, with its own token from the encrypted
credential store, refreshed before it expires."""

from __future__ import annotations

import dagster as dg
from pydantic import Field, PrivateAttr

from toby_pipelines.credentials.refresh import (
    INSTAGRAM_REFRESH_URL,
    InstagramRefresher,
    Refresher,
    XRefresher,
)
from toby_pipelines.credentials.store import open_store
from toby_pipelines.platforms.instagram.graph_client import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from toby_pipelines.platforms.instagram.platform import InstagramPlatform, InstagramSettings
from toby_pipelines.platforms.router import PlatformRouter
from toby_pipelines.platforms.x.platform import XPlatform
from toby_pipelines.platforms.x.x_client import DEFAULT_BASE_URL as DEFAULT_X_BASE_URL
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource

LIVE_PLATFORMS = ("instagram", "x")


class LivePlatformsResource(PlatformResource):
    """Meta's Graph API and X API v2 behind one router. `x_client_secret` comes in as
    dg.EnvVar("TOBY_X_CLIENT_SECRET") when the X app is a confidential client."""

    database: TobyDatabaseResource
    platforms: list[str] = Field(default_factory=lambda: list(LIVE_PLATFORMS))
    instagram_base_url: str = DEFAULT_BASE_URL
    instagram_api_version: str = DEFAULT_API_VERSION
    instagram_refresh_url: str = INSTAGRAM_REFRESH_URL
    x_base_url: str = DEFAULT_X_BASE_URL
    x_client_id: str | None = None
    x_client_secret: str | None = None
    timeout_seconds: float = 20.0
    instagram_max_rate_limit_wait_seconds: float = 300.0
    x_max_rate_limit_wait_seconds: float = 900.0

    _router: PlatformRouter | None = PrivateAttr(default=None)

    def get(self) -> PlatformRouter:
        if self._router is None:
            unknown = sorted(set(self.platforms) - set(LIVE_PLATFORMS))
            if unknown:
                raise ValueError(f"platforms must be among {LIVE_PLATFORMS}, got {unknown}")
            database = self.database.get()
            refreshers: dict[str, Refresher] = {
                "instagram": InstagramRefresher(base_url=self.instagram_refresh_url)
            }
            if self.x_client_id:
                refreshers["x"] = XRefresher(
                    self.x_client_id, self.x_client_secret or None, base_url=self.x_base_url
                )
            store = open_store(database, refreshers)
            live = {}
            if "instagram" in self.platforms:
                live["instagram"] = InstagramPlatform(
                    database,
                    store.token_for("instagram"),
                    InstagramSettings(
                        base_url=self.instagram_base_url,
                        api_version=self.instagram_api_version,
                        timeout_seconds=self.timeout_seconds,
                        max_rate_limit_wait_seconds=self.instagram_max_rate_limit_wait_seconds,
                    ),
                )
            if "x" in self.platforms:
                live["x"] = XPlatform(
                    database,
                    store.token_for("x"),
                    base_url=self.x_base_url,
                    timeout_seconds=self.timeout_seconds,
                    max_rate_limit_wait_seconds=self.x_max_rate_limit_wait_seconds,
                )
            self._router = PlatformRouter(live)
        return self._router

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._router is not None:
            self._router.close()
            self._router = None
