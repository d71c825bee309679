"""A brand whose account the platform will not serve (token rejected, permission revoked, account
restricted): flagged once, logged once, its other work skipped; nothing else stops."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Connection

from toby_pipelines.platforms.api_errors import AccountBlockedError
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.incidents import record_transition
from toby_pipelines.storage.platform_state import flag_needs_reauth

_WHAT = {
    "token_rejected": "rejected the access token",
    "permission_denied": "refused a permission the access token needs",
    "account_restricted": "restricted the account",
    "blocked": "refused the account",
}


def flag_account_blocked(
    connection: Connection,
    user_id: str,
    brand_id: str,
    platform: str,
    error: AccountBlockedError,
    now: dt.datetime,
) -> bool:
    """Flag the brand's account; True (and one activity line) the first time."""
    if not flag_needs_reauth(connection, brand_id, platform, now, reason=f"{error.kind}: {error}"):
        return False
    record_transition(
        connection,
        subject=f"brand:{brand_id}:{platform}",
        condition="account",
        state=error.kind,
        severity="critical",
        description=f"{platform.capitalize()} {_WHAT.get(error.kind, _WHAT['blocked'])} of brand"
        f" {brand_id}: {error}",
        now=now,
        user_id=user_id,
    )
    log_activity(
        connection,
        user_id=user_id,
        action_type="error",
        description=(
            f"{platform.capitalize()} {_WHAT.get(error.kind, _WHAT['blocked'])} of brand"
            f" {brand_id}: reconnect the account (toby account-link). Other brands carry on."
        ),
        dedupe_key=f"reauth:{brand_id}:{platform}:{now.isoformat()}",
        now=now,
        level="error",
        metadata={"brand_id": brand_id, "platform": platform, "kind": error.kind},
    )
    return True
