"""A brand's account on a live platform, as the platform clients need it."""

from __future__ import annotations

from toby_pipelines.platforms.api_errors import PermanentApiError
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.platform_state import external_id


def require_external_id(database: Database, brand_id: str, platform: str) -> str:
    """The platform's id of the brand's account; PermanentApiError naming the column if unset."""
    with database.engine.connect() as connection:
        value = external_id(connection, brand_id, platform)
    if not value:
        raise PermanentApiError(
            platform,
            f"brand {brand_id!r} has no {platform} account id (platform_accounts.external_id)",
        )
    return value
