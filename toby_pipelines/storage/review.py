"""Review mode (spec section 13): posts that wait for their owner's approval, approving,
rejecting (the slot is planned again), and what happens at the deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.buffer.slots import Slot
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.database import utc
from toby_pipelines.storage.posts import mark_failed

REVIEW_MODES = ("off", "skip", "publish")
# A post waiting for review is decided this long before its slot.
REVIEW_DEADLINE = dt.timedelta(hours=2)


class PostNotFound(LookupError):
    """No such post of this user, or not one that can be reviewed any more."""


def check_review_mode(mode: object, field: str = "review_mode") -> str:
    if mode not in REVIEW_MODES:
        raise ValueError(f"{field} must be one of {', '.join(REVIEW_MODES)}, got {mode!r}")
    return str(mode)


def review_modes(connection: Connection) -> dict[str, str]:
    """{brand_id: its effective review mode} (the brand's own, else its user's)."""
    rows = connection.execute(
        sa.text(
            "SELECT b.id, b.review_mode AS own, s.review_mode AS users FROM brands b"
            " LEFT JOIN toby_state s ON s.user_id = b.user_id"
        )
    )
    return {r.id: r.own or r.users or "off" for r in rows}


def set_review_mode(
    connection: Connection, user_id: str, mode: str, brand_id: str | None = None
) -> None:
    """The user's review mode, or one brand's (None for a brand: follow the user's)."""
    if brand_id is None:
        connection.execute(
            sa.text("UPDATE toby_state SET review_mode = :m WHERE user_id = :u"),
            {"m": check_review_mode(mode), "u": user_id},
        )
        return
    if mode is not None:
        check_review_mode(mode, f"review mode of {brand_id}")
    connection.execute(
        sa.text("UPDATE brands SET review_mode = :m WHERE id = :b AND user_id = :u"),
        {"m": mode, "b": brand_id, "u": user_id},
    )


@dataclass(frozen=True)
class PendingPost:
    id: str
    brand_id: str
    content_type: str
    slot_at: dt.datetime
    title: str
    caption: str

    @property
    def deadline(self) -> dt.datetime:
        return self.slot_at - REVIEW_DEADLINE


def pending_posts(connection: Connection, user_id: str) -> list[PendingPost]:
    rows = connection.execute(
        sa.text(
            "SELECT id, brand_id, content_type, slot_at, title, caption FROM scheduled_posts"
            " WHERE user_id = :u AND review_status = 'pending' AND status = 'generated'"
            " ORDER BY slot_at, id"
        ),
        {"u": user_id},
    )
    return [
        PendingPost(
            r.id, r.brand_id, r.content_type, utc(r.slot_at), r.title or "", r.caption or ""
        )
        for r in rows
    ]


def _pending(connection: Connection, user_id: str, post_id: str) -> PendingPost:
    for post in pending_posts(connection, user_id):
        if post.id == post_id:
            return post
    raise PostNotFound(f"no post {post_id!r} waiting for review")


def approve_post(connection: Connection, user_id: str, post_id: str, now: dt.datetime) -> None:
    post = _pending(connection, user_id, post_id)
    connection.execute(
        sa.text("UPDATE scheduled_posts SET review_status = 'approved', updated_at = :now"
                " WHERE id = :id"),
        {"id": post.id, "now": now},
    )  # fmt: skip
    log_activity(
        connection,
        user_id=user_id,
        action_type="post_approved",
        description=f"Approved {post.content_type} '{post.title}' for {post.slot_at:%Y-%m-%d %H:%M}",
        dedupe_key=f"approved:{post.id}",
        now=now,
        level="success",
        metadata={"post_id": post.id},
    )


def reject_post(
    connection: Connection, user_id: str, post_id: str, reason: str | None, now: dt.datetime
) -> None:
    """Remove a waiting post so the next tick plans its slot again (with another title and a
    fresh draw); what was rejected is kept in rejected_posts and the activity log."""
    post = _pending(connection, user_id, post_id)
    connection.execute(
        sa.text(
            "INSERT INTO rejected_posts (post_id, user_id, brand_id, content_type, slot_at, title,"
            " reason, rejected_at) VALUES (:id, :u, :b, :c, :at, :t, :r, :now)"
        ),
        {"id": post.id, "u": user_id, "b": post.brand_id, "c": post.content_type,
         "at": post.slot_at, "t": post.title, "r": reason, "now": now},
    )  # fmt: skip
    connection.execute(sa.text("DELETE FROM scheduled_posts WHERE id = :id"), {"id": post.id})
    why = f": {reason}" if reason else ""
    log_activity(
        connection,
        user_id=user_id,
        action_type="post_rejected",
        description=(
            f"Rejected {post.content_type} '{post.title}' for {post.slot_at:%Y-%m-%d %H:%M}"
            f"{why}; Toby writes another for the slot"
        ),
        dedupe_key=f"rejected:{post.id}:{now.isoformat()}",
        now=now,
        level="warning",
        metadata={"post_id": post.id},
    )


def rejections(
    connection: Connection, since: dt.datetime
) -> tuple[dict[Slot, int], dict[str, set[str]]]:
    """({slot: times rejected}, {brand: rejected titles}) since `since`."""
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, content_type, slot_at, title FROM rejected_posts"
            " WHERE rejected_at >= :since"
        ),
        {"since": since},
    )
    counts: dict[Slot, int] = {}
    titles: dict[str, set[str]] = {}
    for r in rows:
        slot = Slot(utc(r.slot_at), r.brand_id, r.content_type)
        counts[slot] = counts.get(slot, 0) + 1
        titles.setdefault(r.brand_id, set()).add(r.title)
    return counts, titles


def settle_reviews(connection: Connection, now: dt.datetime) -> list[tuple[str, str]]:
    """Decide every waiting post whose deadline has come, by its brand's review mode: skipped
    (failed, with the reason) or published unreviewed. [(post id, what happened)], logged."""
    rows = connection.execute(
        sa.text(
            "SELECT id, user_id, brand_id, content_type, slot_at, title FROM scheduled_posts"
            " WHERE review_status = 'pending' AND status = 'generated' AND slot_at <= :by"
        ),
        {"by": now + REVIEW_DEADLINE},
    ).all()
    settled: list[tuple[str, str]] = []
    if not rows:  # the usual tick: nothing waits at its deadline, no need to read modes
        return settled
    modes = review_modes(connection)
    for r in rows:
        slot = f"{utc(r.slot_at):%Y-%m-%d %H:%M}"
        mode = modes.get(r.brand_id, "off")
        if mode in ("publish", "off"):
            connection.execute(
                sa.text("UPDATE scheduled_posts SET review_status = 'approved' WHERE id = :id"),
                {"id": r.id},
            )
            what = f"not reviewed by its deadline; published anyway (review mode '{mode}')"
            level = "info"
        else:
            what = "skipped: not approved by its deadline, 2 h before its slot (review mode 'skip')"
            mark_failed(connection, r.id, what, now)
            level = "warning"
        log_activity(
            connection,
            user_id=r.user_id,
            action_type="review_deadline",
            description=f"{r.content_type.capitalize()} '{r.title}' for {slot}: {what}",
            dedupe_key=f"review-deadline:{r.id}",
            now=now,
            level=level,
            metadata={"post_id": r.id},
        )
        settled.append((r.id, what))
    return settled
