"""X as the publishing platform (TOBY_PLATFORM=x)."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from toby_pipelines.platforms.x.platform import TOKEN_PREFIX, XPlatform, environment_token
from toby_pipelines.platforms.x.x_client import DEFAULT_BASE_URL
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource


class XPlatformResource(PlatformResource):
    """X API v2. Each brand's OAuth 2.0 user token comes from the environment variable
    `token_env_prefix` + the brand id in upper case (e.g. TOBY_X_TOKEN_GLOW_DAILY) and its X
    user id from platform_accounts.external_id."""

    database: TobyDatabaseResource
    base_url: str = DEFAULT_BASE_URL
    token_env_prefix: str = TOKEN_PREFIX
    timeout_seconds: float = 20.0
    max_rate_limit_wait_seconds: float = 900.0

    _platform: XPlatform | None = PrivateAttr(default=None)

    def get(self) -> XPlatform:
        if self._platform is None:
            prefix = self.token_env_prefix
            self._platform = XPlatform(
                self.database.get(),
                base_url=self.base_url,
                token_for=lambda brand_id: environment_token(brand_id, prefix),
                timeout_seconds=self.timeout_seconds,
                max_rate_limit_wait_seconds=self.max_rate_limit_wait_seconds,
            )
        return self._platform

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._platform is not None:
            self._platform.close()
            self._platform = None
