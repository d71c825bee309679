"""Instagram as the publishing platform (TOBY_PLATFORM=instagram)."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from toby_pipelines.platforms.instagram.graph_client import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from toby_pipelines.platforms.instagram.platform import (
    TOKEN_PREFIX,
    InstagramPlatform,
    InstagramSettings,
    environment_token,
)
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource


class InstagramPlatformResource(PlatformResource):
    """Meta's Graph API. Each brand's token comes from the environment variable
    `token_env_prefix` + the brand id in upper case (e.g. TOBY_INSTAGRAM_TOKEN_GLOW_DAILY) and
    its Instagram user id from platform_accounts.external_id."""

    database: TobyDatabaseResource
    base_url: str = DEFAULT_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    token_env_prefix: str = TOKEN_PREFIX
    timeout_seconds: float = 20.0
    max_rate_limit_wait_seconds: float = 300.0

    _platform: InstagramPlatform | None = PrivateAttr(default=None)

    def get(self) -> InstagramPlatform:
        if self._platform is None:
            prefix = self.token_env_prefix
            self._platform = InstagramPlatform(
                self.database.get(),
                InstagramSettings(
                    base_url=self.base_url,
                    api_version=self.api_version,
                    timeout_seconds=self.timeout_seconds,
                    max_rate_limit_wait_seconds=self.max_rate_limit_wait_seconds,
                ),
                token_for=lambda brand_id: environment_token(brand_id, prefix),
            )
        return self._platform

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._platform is not None:
            self._platform.close()
            self._platform = None
