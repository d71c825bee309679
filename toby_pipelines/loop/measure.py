"""Capture the metrics of every published post that reaches a checkpoint on a given day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from toby_pipelines.loop.days import day_end, day_start
from toby_pipelines.loop.reauthorization import flag_token_rejected
from toby_pipelines.metrics.checkpoints import LONGEST_CHECKPOINT, checkpoints_between
from toby_pipelines.metrics.validation import MetricsValidationError, parse_metrics
from toby_pipelines.platforms.api_errors import TokenExpiredError
from toby_pipelines.platforms.base import Platform
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.posts import published_between
from toby_pipelines.storage.snapshots import Snapshot, upsert_snapshots


@dataclass(frozen=True)
class CaptureSummary:
    day: dt.date
    snapshots: list[Snapshot]
    by_checkpoint: dict[str, int] = field(default_factory=dict)
    complete: bool = True
    brands_needing_reauth: list[str] = field(default_factory=list)


def capture_snapshots(
    database: Database, platform: Platform, day: dt.date, now: dt.datetime
) -> CaptureSummary:
    """Snapshots for checkpoints reached on `day` up to `now`, written all together or not at all.

    Every value is validated before anything is written: a negative, missing or non-numeric metric
    fails the whole day with every bad row named.
    """
    start = day_start(day)
    end = min(day_end(day), now + dt.timedelta(microseconds=1))
    with database.engine.connect() as connection:
        posts = published_between(connection, start - LONGEST_CHECKPOINT, end)
    snapshots: list[Snapshot] = []
    problems: list[str] = []
    owners: dict[str, str] = {}
    rejected: dict[str, tuple[str, str]] = {}  # brand -> (user, platform) whose token failed
    for post in posts:
        for due in checkpoints_between(post.published_at, start, end):
            if post.brand_id in rejected:
                continue
            try:
                raw = dict(
                    platform.fetch_metrics(
                        post.media_id,
                        due.at,
                        brand_id=post.brand_id,
                        content_type=post.content_type,
                    )
                )
                followers = platform.followers(post.account_handle, due.at, brand_id=post.brand_id)
            except TokenExpiredError:
                # This brand waits for re-authorization; a backfill of the day fetches its posts.
                rejected[post.brand_id] = (post.user_id, post.platform)
                continue
            try:
                metrics = parse_metrics(post.id, raw)
            except MetricsValidationError as error:
                problems.extend(
                    f"{message} (checkpoint {due.checkpoint})" for message in error.problems
                )
                continue
            owners[post.id] = post.user_id
            snapshots.append(
                Snapshot(
                    post_id=post.id,
                    checkpoint=due.checkpoint,
                    checkpoint_at=due.at,
                    partition_date=day,
                    captured_at=now,
                    followers_at_capture=followers,
                    **vars(metrics),
                )
            )
    if problems:
        raise MetricsValidationError(problems)
    with database.transaction() as connection:
        upsert_snapshots(connection, snapshots)
        for brand_id, (user_id, platform_name) in rejected.items():
            flag_token_rejected(connection, user_id, brand_id, platform_name, now)
        for user_id, count in Counter(owners[s.post_id] for s in snapshots).items():
            log_activity(
                connection,
                user_id=user_id,
                action_type="metrics_collected",
                description=f"Collected metrics for {count} checkpoint(s) on {day}",
                dedupe_key=f"metrics:{user_id}:{day}",
                now=now,
            )
    return CaptureSummary(
        day=day,
        snapshots=snapshots,
        by_checkpoint=dict(Counter(s.checkpoint for s in snapshots)),
        complete=end >= day_end(day) and not rejected,
        brands_needing_reauth=sorted(rejected),
    )
