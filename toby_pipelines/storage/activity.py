"""The activity log: one human-readable line per thing Toby did."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.credentials.scrub import scrub


def log_activity(connection: Connection, **line: Any) -> None:
    """Write a line (its fields: `activity_line`); the same dedupe_key again (a retry, a re-run)
    updates it instead of adding one. Text and metadata are scrubbed of secrets: they may quote
    an API's error."""
    write_activity(connection, [activity_line(**line)])


def activity_line(
    *,
    user_id: str,
    action_type: str,
    description: str,
    dedupe_key: str,
    now: dt.datetime,
    level: str = "info",
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One line of the log as `write_activity` takes it, text and metadata scrubbed of secrets."""
    return {
        "id": str(uuid.uuid4()),
        "user_id": user_id,
        "action_type": action_type,
        "description": scrub(description),
        "metadata": scrub(json.dumps(dict(metadata or {}), sort_keys=True, default=str)),
        "level": level,
        "dedupe_key": dedupe_key,
        "now": now,
    }


def write_activity(connection: Connection, lines: Sequence[dict[str, Any]]) -> None:
    """Write many `activity_line`s in one statement (see `log_activity`)."""
    if not lines:
        return
    connection.execute(
        sa.text(
            "INSERT INTO toby_activity_log (id, user_id, action_type, description, metadata, level,"
            " dedupe_key, created_at) VALUES (:id, :user_id, :action_type, :description, :metadata,"
            " :level, :dedupe_key, :now) ON CONFLICT (dedupe_key) DO UPDATE SET"
            " description = excluded.description, metadata = excluded.metadata,"
            " level = excluded.level WHERE toby_activity_log.description <> excluded.description"
            " OR toby_activity_log.metadata <> excluded.metadata"
        ),
        list(lines),
    )


def recent_activity(connection: Connection, user_id: str, limit: int = 20) -> list[sa.Row]:
    return connection.execute(
        sa.text(
            "SELECT created_at, action_type, level, description FROM toby_activity_log"
            " WHERE user_id = :u ORDER BY created_at DESC, id DESC LIMIT :limit"
        ),
        {"u": user_id, "limit": limit},
    ).all()
