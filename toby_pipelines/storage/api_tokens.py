"""API tokens (table api_tokens): made once, stored as their SHA-256, looked up by it.

A token is 32 random bytes (urlsafe base64, prefixed `toby_` so a leaked one is recognizable).
With that much entropy a plain SHA-256 is as safe as a slow password hash and costs nothing per
request."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.brands import UnknownUser, user_exists

TOKEN_PREFIX = "toby_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(connection: Connection, user_id: str, now: dt.datetime) -> str:
    """A new token for `user_id`, returned once; only its hash is kept."""
    if not user_exists(connection, user_id):
        raise UnknownUser(f"no user {user_id!r}; add it with `toby user-add`")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        sa.text(
            "INSERT INTO api_tokens (id, user_id, token_hash, created_at)"
            " VALUES (:id, :user, :hash, :now)"
        ),
        {"id": str(uuid.uuid4()), "user": user_id, "hash": _digest(token), "now": now},
    )
    return token


def user_of_token(connection: Connection, token: str, now: dt.datetime) -> str | None:
    """The user a live token belongs to (noting when it was used), or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = connection.execute(
        sa.text(
            "SELECT id, user_id FROM api_tokens WHERE token_hash = :hash AND revoked_at IS NULL"
        ),
        {"hash": _digest(token)},
    ).first()
    if row is None:
        return None
    connection.execute(
        sa.text("UPDATE api_tokens SET last_used_at = :now WHERE id = :id"),
        {"now": now, "id": row.id},
    )
    return row.user_id


def revoke_api_tokens(connection: Connection, user_id: str, now: dt.datetime) -> int:
    """Revoke every live token of a user; how many there were."""
    return connection.execute(
        sa.text(
            "UPDATE api_tokens SET revoked_at = :now WHERE user_id = :u AND revoked_at IS NULL"
        ),
        {"now": now, "u": user_id},
    ).rowcount
