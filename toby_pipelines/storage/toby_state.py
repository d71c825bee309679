"""Turning Toby on and off per user, and reading its settings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.content.content_dna import InvalidContentDNA, validate_content_dna
from toby_pipelines.features import checked_features, effective
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.brands import UnknownUser, list_brands
from toby_pipelines.storage.database import as_date, load_json
from toby_pipelines.strategy.selection import check_explore_ratio


@dataclass(frozen=True)
class TobySettings:
    user_id: str
    enabled: bool
    phase: str
    buffer_days: int
    explore_ratio: float
    enabled_at: dt.datetime | None
    features: Mapping[str, bool] = field(default_factory=dict)  # see toby_pipelines.features

    def allows(self, feature: str) -> bool:
        """Whether a feature flag is on (flags are on unless turned off)."""
        return effective(self.features)[feature]


def require_user(connection: Connection, user_id: str) -> None:
    found = connection.execute(sa.text("SELECT 1 FROM users WHERE id = :u"), {"u": user_id}).first()
    if found is None:
        raise UnknownUser(f"no user with id {user_id!r}")


def enable_toby(connection: Connection, user_id: str, now: dt.datetime) -> None:
    """Turn Toby on, refusing when any of the user's brands has empty or invalid Content DNA."""
    require_user(connection, user_id)
    brands = list_brands(connection, [user_id])
    if not brands:
        raise InvalidContentDNA(
            f"user {user_id!r} has no brand: add one with its Content DNA first"
        )
    for brand in brands:
        validate_content_dna(brand.name, brand.dna)
    connection.execute(
        sa.text(
            "INSERT INTO toby_state (user_id, enabled, enabled_at, phase, phase_started_at,"
            " created_at, updated_at) VALUES (:u, TRUE, :now, 'bootstrap', :now, :now, :now)"
            " ON CONFLICT (user_id) DO UPDATE SET enabled = TRUE, enabled_at = excluded.enabled_at,"
            " updated_at = excluded.updated_at"
        ),
        {"u": user_id, "now": now},
    )
    log_activity(
        connection,
        user_id=user_id,
        action_type="toby_enabled",
        description=f"Toby enabled for {len(brands)} brand(s): {', '.join(b.name for b in brands)}",
        dedupe_key=f"enabled:{user_id}:{now.isoformat()}",
        now=now,
        level="success",
    )


def disable_toby(connection: Connection, user_id: str, now: dt.datetime) -> None:
    """Turn Toby off: no new content; measuring and learning go on."""
    require_user(connection, user_id)
    connection.execute(
        sa.text(
            "UPDATE toby_state SET enabled = FALSE, disabled_at = :now, updated_at = :now"
            " WHERE user_id = :u"
        ),
        {"u": user_id, "now": now},
    )
    log_activity(
        connection,
        user_id=user_id,
        action_type="toby_disabled",
        description="Toby disabled: no new content will be generated; analysis continues",
        dedupe_key=f"disabled:{user_id}:{now.isoformat()}",
        now=now,
    )


def toby_settings(connection: Connection, user_ids: list[str] | None = None) -> list[TobySettings]:
    rows = connection.execute(
        sa.text(
            "SELECT user_id, enabled, phase, buffer_days, explore_ratio, enabled_at, features"
            " FROM toby_state ORDER BY user_id"
        )
    ).all()
    return [
        TobySettings(
            r.user_id,
            bool(r.enabled),
            r.phase,
            r.buffer_days,
            r.explore_ratio,
            r.enabled_at,
            _stored_features(r.features),
        )
        for r in rows
        if user_ids is None or r.user_id in user_ids
    ]


def _stored_features(raw: object) -> dict[str, bool]:
    """A user's flags. Flags that cannot be read (hand-edited, not a JSON object of true/false)
    turn that user's every subsystem off rather than stop every user's tick: the cautious
    reading of what the owner may have meant, and only theirs."""
    try:
        stored = load_json(raw or "{}")
        return effective(checked_features(stored))
    except (ValueError, TypeError, AttributeError):
        return dict.fromkeys(effective({}), False)


def advance_phase(
    connection: Connection, user_id: str, phase: str, reason: str, day: dt.date, now: dt.datetime
) -> None:
    """Move a user's phase forward and record it in the activity log (once per phase)."""
    connection.execute(
        sa.text(
            "UPDATE toby_state SET phase = :phase, phase_started_at = :at, updated_at = :now"
            " WHERE user_id = :u"
        ),
        {
            "phase": phase,
            "at": dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
            "now": now,
            "u": user_id,
        },
    )
    log_activity(
        connection,
        user_id=user_id,
        action_type="phase_changed",
        description=f"Toby entered the {phase} phase on {day}: {reason}",
        dedupe_key=f"phase:{user_id}:{phase}",
        now=now,
        level="success",
    )


def set_explore_ratio(connection: Connection, user_id: str, explore_ratio: float) -> None:
    """The share of slots that serve experiments (see strategy.selection)."""
    check_explore_ratio(explore_ratio)
    require_user(connection, user_id)
    connection.execute(
        sa.text("UPDATE toby_state SET explore_ratio = :r WHERE user_id = :u"),
        {"r": explore_ratio, "u": user_id},
    )


def learning_since(connection: Connection, user_ids: Sequence[str]) -> dict[str, dt.date]:
    """{user: the day learning starts from} for the users who reset Toby."""
    if not user_ids:
        return {}
    rows = connection.execute(
        sa.text(
            "SELECT user_id, learning_since FROM toby_state"
            " WHERE user_id IN :users AND learning_since IS NOT NULL"
        ).bindparams(sa.bindparam("users", expanding=True)),
        {"users": list(user_ids)},
    )
    return {r.user_id: as_date(r.learning_since) for r in rows}


def reset_learning(connection: Connection, user_id: str, now: dt.datetime) -> dict[str, int]:
    """Forget what Toby learned for a user: experiments, posteriors and the phase go; learning
    starts again from posts published from today. Published posts, their metrics and scores,
    and the record of past choices (posterior versions) stay. Logged."""
    require_user(connection, user_id)
    cleared = {
        "experiments": connection.execute(
            sa.text("DELETE FROM toby_experiments WHERE user_id = :u"), {"u": user_id}
        ).rowcount,
        "posteriors": connection.execute(
            sa.text("DELETE FROM toby_strategy_scores WHERE user_id = :u"), {"u": user_id}
        ).rowcount,
    }
    # Its change detectors start again from posts published from today.
    connection.execute(
        sa.text("DELETE FROM toby_detector_states WHERE user_id = :u"), {"u": user_id}
    )
    connection.execute(
        sa.text(
            "UPDATE toby_state SET learning_since = :day, phase = 'bootstrap',"
            " phase_started_at = :now, updated_at = :now WHERE user_id = :u"
        ),
        {"day": now.date(), "now": now, "u": user_id},
    )
    log_activity(
        connection,
        user_id=user_id,
        action_type="toby_reset",
        description=(
            f"Toby was reset: {cleared['experiments']} experiment(s) and"
            f" {cleared['posteriors']} option posterior(s) cleared; learning starts again from"
            f" posts published from {now.date()}. Published posts and their scores are kept."
        ),
        dedupe_key=f"reset:{user_id}:{now.isoformat()}",
        now=now,
        level="warning",
        metadata=cleared,
    )
    return cleared


def set_features(
    connection: Connection, user_id: str, changes: Mapping[str, object], now: dt.datetime
) -> dict[str, bool]:
    """Turn feature flags on or off (checked first: a bad one changes nothing); logged."""
    checked = checked_features(changes)
    require_user(connection, user_id)
    stored = connection.execute(
        sa.text("SELECT features FROM toby_state WHERE user_id = :u"), {"u": user_id}
    ).scalar()
    if stored is None:
        raise ValueError("Toby has never been enabled for this user: enable it first")
    features = {**load_json(stored), **checked}
    connection.execute(
        sa.text("UPDATE toby_state SET features = :f, updated_at = :now WHERE user_id = :u"),
        {"f": json.dumps(features, sort_keys=True), "now": now, "u": user_id},
    )
    if checked:
        log_activity(
            connection,
            user_id=user_id,
            action_type="features_changed",
            description="Feature flags changed: "
            + ", ".join(f"{name} {'on' if on else 'off'}" for name, on in sorted(checked.items())),
            dedupe_key=f"features:{user_id}:{now.isoformat()}",
            now=now,
            metadata=checked,
        )
    return effective(features)
