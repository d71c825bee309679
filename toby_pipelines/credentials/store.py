"""Brands' tokens: linked once from standard input, kept encrypted, handed to a platform client
when it needs one, refreshed before they expire. One brand's token is only ever looked up by
that brand's id and platform, so it can never be sent for another brand's account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from toby_pipelines.credentials.cipher import TokenCipher, load_cipher
from toby_pipelines.credentials.refresh import Refresher
from toby_pipelines.platforms.api_errors import (
    AccountBlockedError,
    TokenExpiredError,
    TransientApiError,
)
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.brands import owner_of
from toby_pipelines.storage.credentials import (
    all_credentials,
    load_credentials,
    replace_ciphertexts,
    save_credentials,
)
from toby_pipelines.storage.database import Database, data_dir
from toby_pipelines.storage.incidents import record_transition


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CredentialStore:
    def __init__(
        self,
        database: Database,
        cipher: TokenCipher,
        refreshers: Mapping[str, Refresher] | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.refreshers = dict(refreshers or {})
        self.clock = clock

    def link(
        self,
        brand_id: str,
        platform: str,
        access_token: str,
        refresh_token: str | None = None,
        expires_in_seconds: float | None = None,
    ) -> None:
        """Store a brand's tokens, encrypted; a later link replaces them."""
        now = self.clock()
        with self.database.transaction() as connection:
            save_credentials(
                connection,
                brand_id=brand_id,
                platform=platform,
                access_token=self.cipher.encrypt(access_token),
                refresh_token=self.cipher.encrypt(refresh_token) if refresh_token else None,
                expires_at=_expiry(now, expires_in_seconds),
                now=now,
            )

    def access_token(self, brand_id: str, platform: str) -> str:
        """The brand's current access token on `platform`, refreshed first when it is due."""
        with self.database.engine.connect() as connection:
            stored = load_credentials(connection, brand_id, platform)
        if stored is None:
            raise TokenExpiredError(
                platform,
                f"brand {brand_id!r} has no {platform} token: link one with"
                f" `toby account-link {brand_id} --platform {platform} --token-stdin`",
            )
        now = self.clock()
        access = self.cipher.decrypt(stored.access_token)
        refresher = self.refreshers.get(platform)
        if refresher is None or not refresher.due(stored, now):
            return access
        refresh = self.cipher.decrypt(stored.refresh_token) if stored.refresh_token else None
        try:
            fresh = refresher.refresh(access, refresh)
        except AccountBlockedError:
            raise  # the caller flags the brand (and only it)
        except TransientApiError:
            if stored.expires_at is not None and stored.expires_at <= now:
                raise
            return access  # still valid: the next run refreshes
        with self.database.transaction() as connection:
            save_credentials(
                connection,
                brand_id=brand_id,
                platform=platform,
                access_token=self.cipher.encrypt(fresh.access_token),
                refresh_token=self.cipher.encrypt(fresh.refresh_token)
                if fresh.refresh_token
                else None,
                expires_at=_expiry(now, fresh.expires_in_seconds),
                now=now,
                refreshed=True,
            )
            user_id = owner_of(connection, brand_id)
            description = f"{platform.capitalize()} token of brand {brand_id} refreshed"
            record_transition(
                connection,
                subject=f"brand:{brand_id}:{platform}",
                condition="token_refreshed",
                state=now.isoformat(),
                severity="info",
                description=description,
                now=now,
                user_id=user_id,
            )
            if user_id:
                log_activity(
                    connection,
                    user_id=user_id,
                    action_type="token_refreshed",
                    description=description,
                    dedupe_key=f"token-refreshed:{brand_id}:{platform}:{now.isoformat()}",
                    now=now,
                )
        return fresh.access_token

    def token_for(self, platform: str) -> Callable[[str], str]:
        """brand_id -> access token, for one platform's clients."""
        return lambda brand_id: self.access_token(brand_id, platform)

    def rotate_keys(self) -> int:
        """Re-encrypt every stored token with the first key of TOBY_SECRET_KEY."""
        with self.database.transaction() as connection:
            stored = all_credentials(connection)
            for item in stored:
                replace_ciphertexts(
                    connection,
                    item.brand_id,
                    item.platform,
                    self.cipher.rotate(item.access_token),
                    self.cipher.rotate(item.refresh_token) if item.refresh_token else None,
                )
        return len(stored)


def _expiry(now: dt.datetime, seconds: float | None) -> dt.datetime | None:
    return now + dt.timedelta(seconds=seconds) if seconds else None


def open_store(
    database: Database,
    refreshers: Mapping[str, Refresher] | None = None,
    clock: Callable[[], dt.datetime] = _now,
) -> CredentialStore:
    """The store with the deployment's key (TOBY_SECRET_KEY, or the embedded default's file)."""
    return CredentialStore(database, load_cipher(data_dir(), database.embedded), refreshers, clock)
