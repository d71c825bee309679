"""Run the discovery scans that are due, within a run's share of the rate limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from toby_pipelines.discovery.cadence import Scan, due_scans
from toby_pipelines.discovery.found_media import FoundMedia
from toby_pipelines.discovery.trends import topic_of, trending_topics
from toby_pipelines.loop.reauthorization import flag_account_blocked
from toby_pipelines.platforms.api_errors import (
    AccountBlockedError,
    ApiError,
    RateLimitedError,
    TransientApiError,
)
from toby_pipelines.storage.brands import list_brands
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.discovery import (
    configured_scans,
    findings_between,
    last_scanned,
    record_scan,
)
from toby_pipelines.storage.toby_state import toby_settings

# Scans a run may make: the sensor-like 20-minute schedule catches up over several runs.
MAX_SCANS_PER_RUN = 40
TREND_WINDOW = dt.timedelta(days=7)

Discover = Callable[[str, str, str], list[FoundMedia]]


@dataclass
class DiscoverySummary:
    scanned: list[tuple[Scan, int]] = field(default_factory=list)  # (scan, findings)
    postponed: list[tuple[Scan, str]] = field(default_factory=list)  # (scan, why)
    brands_needing_reauth: list[str] = field(default_factory=list)
    trending: dict[str, list[str]] = field(default_factory=dict)  # brand -> topics


def run_discovery(
    database: Database, discover: Discover, now: dt.datetime, limit: int = MAX_SCANS_PER_RUN
) -> DiscoverySummary:
    """Scan what is due for every brand of a user with Toby on. A throttled or failing scan is
    left due for the next run; a rejected token flags the brand and skips its other scans."""
    with database.engine.connect() as connection:
        settings = {
            s.user_id: s
            for s in toby_settings(connection)
            if s.enabled and s.allows("discovery")  # the discovery flag (spec 11.4)
        }
        brands = [
            b
            for b in list_brands(connection)
            if b.user_id in settings and (b.platform or "instagram") == "instagram"
        ]
        scans = configured_scans(connection, [b.id for b in brands])
        last = last_scanned(connection)
    phase = {b.id: settings[b.user_id].phase for b in brands}
    topics = {b.id: tuple(b.topic_buckets) for b in brands}
    owner = {b.id: (b.user_id, b.platform or "instagram") for b in brands}
    summary = DiscoverySummary()
    skipped: set[str] = set()
    for scan in due_scans(scans, last, phase, now)[:limit]:
        if scan.brand_id in skipped:
            continue
        try:
            found = discover(scan.brand_id, scan.kind, scan.target)
        except AccountBlockedError as error:
            skipped.add(scan.brand_id)
            summary.brands_needing_reauth.append(scan.brand_id)
            with database.transaction() as connection:
                user_id, platform = owner[scan.brand_id]
                flag_account_blocked(connection, user_id, scan.brand_id, platform, error, now)
            continue
        except (RateLimitedError, TransientApiError) as error:
            skipped.add(scan.brand_id)  # this brand's budget is spent for now
            summary.postponed.append((scan, type(error).__name__))
            continue
        except ApiError as error:
            summary.postponed.append((scan, str(error)))
            continue
        matched = {m.media_id: topic_of(m.caption, topics[scan.brand_id]) for m in found}
        with database.transaction() as connection:
            record_scan(connection, scan, found, matched, now)
        summary.scanned.append((scan, len(found)))
    with database.engine.connect() as connection:
        recent = findings_between(connection, now - TREND_WINDOW, now + dt.timedelta(seconds=1))
    summary.trending = {
        brand_id: trend
        for brand_id, findings in recent.items()
        if brand_id in topics and (trend := trending_topics(findings, topics[brand_id]))
    }
    return summary
