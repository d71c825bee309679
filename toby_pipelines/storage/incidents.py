"""Incidents (seed 003 section 5.2): the state of each watched condition, and one row per change
of state: a brand's token rejected or refreshed, a platform circuit opened or closed, learning
failing or recovered for a user, a buffer turning CRITICAL or healthy again, a budget tier."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.storage.database import utc


@dataclass(frozen=True)
class Incident:
    id: str
    user_id: str | None
    subject: str
    condition: str
    state: str
    severity: str
    description: str
    created_at: dt.datetime
    notified_at: dt.datetime | None


def record_transition(
    connection: Connection,
    *,
    subject: str,
    condition: str,
    state: str,
    severity: str,
    description: str,
    now: dt.datetime,
    user_id: str | None = None,
    initial_state: str = "ok",
) -> bool:
    """Move `condition` of `subject` (e.g. "brand:glow:instagram", "token") to `state`. An
    incident is written only when the state changes, never once per retry; True when it did.
    A condition never seen before is taken to be in `initial_state`."""
    current = connection.execute(
        sa.text("SELECT state FROM incident_states WHERE subject = :s AND condition = :c"),
        {"s": subject, "c": condition},
    ).scalar()
    if (current or initial_state) == state:
        return False
    connection.execute(
        sa.text(
            "INSERT INTO incident_states (subject, condition, state, since)"
            " VALUES (:s, :c, :state, :now) ON CONFLICT (subject, condition)"
            " DO UPDATE SET state = :state, since = :now"
        ),
        {"s": subject, "c": condition, "state": state, "now": now},
    )
    connection.execute(
        sa.text(
            "INSERT INTO incidents (id, user_id, subject, condition, state, severity,"
            " description, created_at) VALUES (:id, :user, :s, :c, :state, :severity,"
            " :description, :now)"
        ),
        {
            "id": str(uuid.uuid4()),
            "user": user_id,
            "s": subject,
            "c": condition,
            "state": state,
            "severity": severity,
            "description": scrub(description)[:2000],
            "now": now,
        },
    )
    return True


def current_state(connection: Connection, subject: str, condition: str) -> str | None:
    return connection.execute(
        sa.text("SELECT state FROM incident_states WHERE subject = :s AND condition = :c"),
        {"s": subject, "c": condition},
    ).scalar()


def states_of(connection: Connection, condition: str) -> dict[str, str]:
    """{subject: state} of one condition, for every subject that has one."""
    rows = connection.execute(
        sa.text("SELECT subject, state FROM incident_states WHERE condition = :c"),
        {"c": condition},
    )
    return {r.subject: r.state for r in rows}


def open_conditions(
    connection: Connection, user_id: str
) -> list[tuple[str, str, str, dt.datetime]]:
    """(subject, condition, state, since) of the user's conditions not in their normal state,
    and platform-wide ones (an open circuit)."""
    rows = connection.execute(
        sa.text(
            "SELECT s.subject, s.condition, s.state, s.since FROM incident_states s"
            " WHERE s.state NOT IN ('ok', 'closed') AND s.condition NOT IN ('token_refreshed',"
            " 'ai_budget') AND (s.subject LIKE 'platform:%' OR s.subject = :user"
            " OR s.subject IN (SELECT 'brand:' || a.brand_id || ':' || a.platform"
            " FROM platform_accounts a JOIN brands b ON b.id = a.brand_id WHERE b.user_id = :u))"
            " ORDER BY s.since"
        ),
        {"user": f"user:{user_id}", "u": user_id},
    )
    return [(r.subject, r.condition, r.state, utc(r.since)) for r in rows]


def _incident(row: sa.Row) -> Incident:
    return Incident(
        row.id,
        row.user_id,
        row.subject,
        row.condition,
        row.state,
        row.severity,
        row.description,
        utc(row.created_at),
        utc(row.notified_at) if row.notified_at else None,
    )


_FIELDS = "id, user_id, subject, condition, state, severity, description, created_at, notified_at"


def recent_incidents(connection: Connection, user_id: str, limit: int = 10) -> list[Incident]:
    """The user's incidents and platform-wide ones, newest first."""
    rows = connection.execute(
        sa.text(
            f"SELECT {_FIELDS} FROM incidents WHERE user_id = :u OR user_id IS NULL"
            " ORDER BY created_at DESC, id LIMIT :limit"
        ),
        {"u": user_id, "limit": limit},
    )
    return [_incident(r) for r in rows]


def unnotified_incidents(connection: Connection, limit: int = 50) -> list[Incident]:
    rows = connection.execute(
        sa.text(
            f"SELECT {_FIELDS} FROM incidents WHERE notified_at IS NULL"
            " ORDER BY created_at, id LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [_incident(r) for r in rows]


def mark_notified(
    connection: Connection, incident_id: str, now: dt.datetime, error: str | None = None
) -> None:
    """Delivered (`error` None), or the reason the last delivery failed (tried again later)."""
    connection.execute(
        sa.text("UPDATE incidents SET notified_at = :at, notify_error = :error WHERE id = :id"),
        {
            "at": None if error else now,
            "error": scrub(error)[:500] if error else None,
            "id": incident_id,
        },
    )
