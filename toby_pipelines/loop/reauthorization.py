"""A brand whose token the platform rejected: flagged once, logged once, nothing else stops."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection

from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.platform_state import flag_needs_reauth


def flag_token_rejected(
    connection: Connection, user_id: str, brand_id: str, platform: str, now: dt.datetime
) -> None:
    if flag_needs_reauth(connection, brand_id, platform, now):
        log_activity(
            connection,
            user_id=user_id,
            action_type="error",
            description=(
                f"{platform.capitalize()} rejected the access token of brand {brand_id}:"
                " reconnect the account. Other brands carry on."
            ),
            dedupe_key=f"reauth:{brand_id}:{platform}:{now.date()}",
            now=now,
            level="error",
        )
