"""Brands' platform tokens, as ciphertext only (see `credentials.cipher`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.database import utc


@dataclass(frozen=True)
class StoredCredentials:
    brand_id: str
    platform: str
    access_token: str  # encrypted
    refresh_token: str | None  # encrypted
    expires_at: dt.datetime | None
    obtained_at: dt.datetime
    refreshed_at: dt.datetime | None


def save_credentials(
    connection: Connection,
    *,
    brand_id: str,
    platform: str,
    access_token: str,
    refresh_token: str | None,
    expires_at: dt.datetime | None,
    now: dt.datetime,
    refreshed: bool = False,
) -> None:
    """Store (encrypted) tokens; a refresh keeps the old refresh token unless a new one came."""
    connection.execute(
        sa.text(
            "INSERT INTO platform_credentials (brand_id, platform, access_token, refresh_token,"
            " expires_at, obtained_at, refreshed_at) VALUES (:b, :p, :access, :refresh,"
            " :expires, :now, :refreshed) ON CONFLICT (brand_id, platform) DO UPDATE SET"
            " access_token = excluded.access_token,"
            " refresh_token = COALESCE(excluded.refresh_token, platform_credentials.refresh_token),"
            " expires_at = excluded.expires_at, refreshed_at = excluded.refreshed_at,"
            " obtained_at = CASE WHEN excluded.refreshed_at IS NULL THEN excluded.obtained_at"
            " ELSE platform_credentials.obtained_at END"
        ),
        {
            "b": brand_id,
            "p": platform,
            "access": access_token,
            "refresh": refresh_token,
            "expires": expires_at,
            "now": now,
            "refreshed": now if refreshed else None,
        },
    )


def load_credentials(
    connection: Connection, brand_id: str, platform: str
) -> StoredCredentials | None:
    row = connection.execute(
        sa.text(
            "SELECT brand_id, platform, access_token, refresh_token, expires_at, obtained_at,"
            " refreshed_at FROM platform_credentials WHERE brand_id = :b AND platform = :p"
        ),
        {"b": brand_id, "p": platform},
    ).first()
    return _stored(row) if row else None


def all_credentials(connection: Connection) -> list[StoredCredentials]:
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, platform, access_token, refresh_token, expires_at, obtained_at,"
            " refreshed_at FROM platform_credentials ORDER BY brand_id, platform"
        )
    )
    return [_stored(r) for r in rows]


def replace_ciphertexts(
    connection: Connection, brand_id: str, platform: str, access: str, refresh: str | None
) -> None:
    connection.execute(
        sa.text(
            "UPDATE platform_credentials SET access_token = :a, refresh_token = :r"
            " WHERE brand_id = :b AND platform = :p"
        ),
        {"a": access, "r": refresh, "b": brand_id, "p": platform},
    )


def _stored(row: sa.Row) -> StoredCredentials:
    return StoredCredentials(
        row.brand_id,
        row.platform,
        row.access_token,
        row.refresh_token,
        utc(row.expires_at) if row.expires_at else None,
        utc(row.obtained_at),
        utc(row.refreshed_at) if row.refreshed_at else None,
    )
