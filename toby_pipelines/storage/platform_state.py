"""What publishing to a live platform must remember: the platform's id of each brand's account,
accounts whose token was rejected, a post's hosted media and its in-flight container."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.storage.database import load_json, utc


def set_external_id(connection: Connection, brand_id: str, platform: str, external_id: str) -> bool:
    """Link the brand's account to its platform id and clear any re-authorization flag; False
    when the brand has no account on that platform."""
    return bool(
        connection.execute(
            sa.text(
                "UPDATE platform_accounts SET external_id = :external_id, needs_reauth_since = NULL,"
                " blocked_reason = NULL"
                " WHERE brand_id = :brand_id AND platform = :platform"
            ),
            {"external_id": external_id, "brand_id": brand_id, "platform": platform},
        ).rowcount
    )


def external_id(connection: Connection, brand_id: str, platform: str) -> str | None:
    return connection.execute(
        sa.text(
            "SELECT external_id FROM platform_accounts"
            " WHERE brand_id = :brand_id AND platform = :platform"
        ),
        {"brand_id": brand_id, "platform": platform},
    ).scalar()


def flag_needs_reauth(
    connection: Connection, brand_id: str, platform: str, now: dt.datetime, reason: str = ""
) -> bool:
    """Mark the brand's account as needing re-authorization; True if it was not flagged yet."""
    return bool(
        connection.execute(
            sa.text(
                "UPDATE platform_accounts SET needs_reauth_since = :now, blocked_reason = :reason"
                " WHERE brand_id = :brand_id AND platform = :platform"
                " AND needs_reauth_since IS NULL"
            ),
            {"now": now, "brand_id": brand_id, "platform": platform, "reason": scrub(reason)[:500]},
        ).rowcount
    )


def blocked_accounts(connection: Connection) -> dict[tuple[str, str], str]:
    """{(brand_id, platform): why} of every account waiting for re-authorization."""
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, platform, blocked_reason FROM platform_accounts"
            " WHERE needs_reauth_since IS NOT NULL"
        )
    )
    return {(r.brand_id, r.platform): r.blocked_reason or "needs re-authorization" for r in rows}


def set_media_urls(connection: Connection, post_id: str, urls: list[str]) -> None:
    """Where the renderer put the post's media: a reel's video, or a carousel's images."""
    connection.execute(
        sa.text("UPDATE scheduled_posts SET media_urls = :urls WHERE id = :id"),
        {"urls": json.dumps(urls), "id": post_id},
    )


def media_to_publish(connection: Connection, post_id: str) -> tuple[list[str], str | None]:
    """(hosted media urls, container of an earlier try) of a post."""
    row = connection.execute(
        sa.text("SELECT media_urls, container_id FROM scheduled_posts WHERE id = :id"),
        {"id": post_id},
    ).one()
    return list(load_json(row.media_urls or "[]")), row.container_id


def remember_container(
    connection: Connection, post_id: str, container_id: str, now: dt.datetime
) -> None:
    """A new container for the post: its id and time first, so a retry resumes it."""
    connection.execute(
        sa.text(
            "UPDATE scheduled_posts SET container_id = :container, container_created_at = :now,"
            " containers_made = containers_made + 1 WHERE id = :id"
        ),
        {"container": container_id, "id": post_id, "now": now},
    )


def publish_state(connection: Connection, post_id: str) -> tuple[dt.datetime | None, int]:
    """(when the post's latest container was made, how many containers it used)."""
    row = connection.execute(
        sa.text("SELECT container_created_at, containers_made FROM scheduled_posts WHERE id = :id"),
        {"id": post_id},
    ).one()
    return (utc(row.container_created_at) if row.container_created_at else None), int(
        row.containers_made or 0
    )


def media_id_taken(connection: Connection, media_id: str, except_post: str) -> bool:
    """Whether a post other than `except_post` already holds the platform's `media_id`."""
    return (
        connection.execute(
            sa.text("SELECT 1 FROM scheduled_posts WHERE media_id = :m AND id <> :p LIMIT 1"),
            {"m": media_id, "p": except_post},
        ).first()
        is not None
    )
