"""Discovery targets, scan times and findings (tables discovery_*)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.discovery.cadence import Scan
from toby_pipelines.discovery.found_media import FoundMedia
from toby_pipelines.storage.database import utc


def _spelled(target: str) -> str:
    """A competitor or hashtag as stored: without @ or #, lower case."""
    return target.strip().lstrip("@#").lower()


def add_target(connection: Connection, brand_id: str, kind: str, target: str) -> None:
    if kind not in ("competitor", "hashtag"):
        raise ValueError(f"kind must be 'competitor' or 'hashtag', got {kind!r}")
    cleaned = _spelled(target)
    if not cleaned:
        raise ValueError(f"{kind} must not be empty, got {target!r}")
    connection.execute(
        sa.text(
            "INSERT INTO discovery_targets (brand_id, kind, target) VALUES (:b, :k, :t)"
            " ON CONFLICT (brand_id, kind, target) DO NOTHING"
        ),
        {"b": brand_id, "k": kind, "t": cleaned},
    )


def watched_targets(connection: Connection, brand_id: str) -> list[tuple[str, str]]:
    """The brand's (kind, target) pairs, competitors first."""
    rows = connection.execute(
        sa.text(
            "SELECT kind, target FROM discovery_targets WHERE brand_id = :b ORDER BY kind, target"
        ),
        {"b": brand_id},
    )
    return [(r.kind, r.target) for r in rows]


def remove_target(connection: Connection, brand_id: str, kind: str, target: str) -> None:
    """Stop watching a target (spelled as `add_target` takes it); an unwatched one is an error."""
    cleaned = _spelled(target)
    gone = connection.execute(
        sa.text("DELETE FROM discovery_targets WHERE brand_id = :b AND kind = :k AND target = :t"),
        {"b": brand_id, "k": kind, "t": cleaned},
    ).rowcount
    if not gone:
        raise ValueError(f"--{kind}: {target!r} is not watched for brand {brand_id!r}")


def configured_scans(connection: Connection, brand_ids: Sequence[str]) -> list[Scan]:
    """Every brand's own account, plus its competitors and hashtags."""
    scans = [Scan(brand_id, "own", brand_id) for brand_id in brand_ids]
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, kind, target FROM discovery_targets ORDER BY brand_id, kind, target"
        )
    )
    scans += [Scan(r.brand_id, r.kind, r.target) for r in rows if r.brand_id in set(brand_ids)]
    return scans


def last_scanned(connection: Connection) -> dict[Scan, dt.datetime]:
    rows = connection.execute(
        sa.text("SELECT brand_id, kind, target, scanned_at FROM discovery_scans")
    )
    return {Scan(r.brand_id, r.kind, r.target): utc(r.scanned_at) for r in rows}


def record_scan(
    connection: Connection,
    scan: Scan,
    found: Sequence[FoundMedia],
    topics: dict[str, str | None],
    now: dt.datetime,
) -> None:
    """The scan's findings (new ones added, known ones refreshed) and its time, together."""
    for media in found:
        connection.execute(
            sa.text(
                "INSERT INTO discovery_findings (brand_id, kind, target, media_id, caption,"
                " media_type, like_count, comments_count, permalink, posted_at, topic_bucket,"
                " first_found_at, last_found_at) VALUES (:brand_id, :kind, :target, :media_id,"
                " :caption, :media_type, :like_count, :comments_count, :permalink, :posted_at,"
                " :topic, :now, :now) ON CONFLICT (brand_id, kind, media_id) DO UPDATE SET"
                " like_count = excluded.like_count, comments_count = excluded.comments_count,"
                " caption = excluded.caption, last_found_at = excluded.last_found_at"
            ),
            {
                "brand_id": scan.brand_id,
                "kind": scan.kind,
                "target": scan.target,
                "media_id": media.media_id,
                "caption": media.caption,
                "media_type": media.media_type,
                "like_count": media.like_count,
                "comments_count": media.comments_count,
                "permalink": media.permalink,
                "posted_at": media.timestamp,
                "topic": topics.get(media.media_id),
                "now": now,
            },
        )
    connection.execute(
        sa.text(
            "INSERT INTO discovery_scans (brand_id, kind, target, scanned_at, found)"
            " VALUES (:b, :k, :t, :now, :found) ON CONFLICT (brand_id, kind, target)"
            " DO UPDATE SET scanned_at = excluded.scanned_at, found = excluded.found"
        ),
        {"b": scan.brand_id, "k": scan.kind, "t": scan.target, "now": now, "found": len(found)},
    )


def findings_between(
    connection: Connection, start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[str | None, int | None]]]:
    """{brand: [(caption, likes)]} of outside findings (competitors, hashtags) first found in
    [start, end)."""
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, caption, like_count FROM discovery_findings"
            " WHERE kind <> 'own' AND first_found_at >= :start AND first_found_at < :end"
        ),
        {"start": start, "end": end},
    )
    result: dict[str, list[tuple[str | None, int | None]]] = {}
    for r in rows:
        result.setdefault(r.brand_id, []).append((r.caption, r.like_count))
    return result
