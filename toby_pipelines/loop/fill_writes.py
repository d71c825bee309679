"""Writing what the buffer fill planned: many users' posts in one transaction.

The first fill of 10,000 brands plans 160,000 posts for 3,334 users. Written a user to a
transaction (with the buffer's activity line in another), the database spent more time
committing than Toby spent planning. Here `USERS_PER_WRITE` users' posts, tags, activity lines
and buffer incidents go in one transaction; should it fail, each user's go on their own
(`write_together`), so only a user whose write the database refuses is recorded as failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from toby_pipelines.buffer.health import BufferHealth, buffer_health
from toby_pipelines.buffer.slots import Slot
from toby_pipelines.loop.isolation import FailedUnit, write_together
from toby_pipelines.storage.activity import activity_line, write_activity
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.incidents import record_transition
from toby_pipelines.storage.posts import NewPost, insert_toby_posts

USERS_PER_WRITE = 50


@dataclass
class UserFill:
    """One user's share of a fill, before and after it is written."""

    user_id: str
    buffer_days: int
    pending: list[NewPost]
    slots_of: dict[str, list[Slot]]  # brand name -> its slots in the window
    # Planning stopped part-way (the failure is the user's): the posts made are still written,
    # nothing is said about the buffer.
    complete: bool = True
    # Filled in by the write (again on a retry), read once it committed.
    inserted: list[NewPost] = field(default_factory=list)
    health: BufferHealth | None = None
    brand_health: dict[str, BufferHealth] = field(default_factory=dict)


def write_fills(
    database: Database,
    fills: Sequence[UserFill],
    now: dt.datetime,
    taken: set[Slot],
    buffer_states: dict[str, str],
    failed: list[FailedUnit],
) -> list[UserFill]:
    """Write `fills` together; the ones written (their slots are then in `taken`). With no post
    to insert and no buffer changing state (the tick between slot times), nothing is written and
    no transaction opened: each fill's health is settled all the same."""
    if not any(fill.pending for fill in fills):
        healths = [(fill, _settle_health(fill, now, taken)) for fill in fills if fill.complete]
        if not any(_state_change(h, fill.user_id, buffer_states) for fill, h in healths):
            return list(fills)
        # A buffer changed state: its incident is written below (health settled again there).

    def write(connection: Connection, batch: Sequence[UserFill]) -> None:
        inserted = insert_toby_posts(connection, [p for fill in batch for p in fill.pending], now)
        by_user: dict[str, list[NewPost]] = {}
        for post in inserted:
            by_user.setdefault(post.user_id, []).append(post)
        lines = []
        for fill in batch:
            fill.inserted = by_user.get(fill.user_id, [])
            if fill.complete:
                lines.extend(_settle_buffer(connection, fill, now, taken, buffer_states))
        write_activity(connection, lines)

    written = write_together(database, fills, write, lambda fill: fill.user_id, failed)
    for fill in written:
        taken.update(post.slot for post in fill.inserted)
    return written


def _settle_health(fill: UserFill, now, taken) -> BufferHealth:
    """The user's buffer health (and each brand's) with the fill's inserted posts, kept on it."""
    filled = {post.slot for post in fill.inserted}
    own = {slot for slots in fill.slots_of.values() for slot in slots if slot in taken} | filled
    fill.brand_health = {
        name: buffer_health(slots, own, now) for name, slots in fill.slots_of.items()
    }
    fill.health = buffer_health(
        [slot for slots in fill.slots_of.values() for slot in slots], own, now
    )
    return fill.health


def _state_change(health: BufferHealth, user_id: str, buffer_states) -> str | None:
    """The buffer's new incident state, None when it is the one last recorded."""
    state = "critical" if health.status == "CRITICAL" else "ok"
    return state if buffer_states.get(f"user:{user_id}", "ok") != state else None


def _settle_buffer(connection, fill: UserFill, now, taken, buffer_states) -> list[dict]:
    """The user's buffer health with the new posts; its incident when the state changes, and
    the fill's activity line."""
    health = _settle_health(fill, now, taken)
    state = _state_change(health, fill.user_id, buffer_states)
    if state is not None:  # a write only when the state changes
        record_transition(
            connection,
            subject=f"user:{fill.user_id}",
            condition="buffer",
            state=state,
            severity="critical" if state == "critical" else "info",
            description=(
                f"buffer {health.status}: {health.filled_slots}/{health.total_slots} slots of the"
                " next 48 hours filled"
            ),
            now=now,
            user_id=fill.user_id,
        )
    if not fill.inserted:
        return []
    experiments = sum(int(post.choice.is_experiment) for post in fill.inserted)
    return [
        activity_line(
            user_id=fill.user_id,
            action_type="content_generated",
            description=(
                f"Generated {len(fill.inserted)} post(s) for the next {fill.buffer_days} day(s)"
                f" ({experiments} experiment(s)); buffer {health.status}"
                f" ({health.filled_slots}/{health.total_slots} slots in 48h)"
            ),
            dedupe_key=f"generated:{fill.user_id}:{now.isoformat()}",
            now=now,
            level="success",
        )
    ]
