"""Brand baselines for a day: rolling averages and the drift rule, per brand and content type."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from toby_pipelines.baselines.drift import LOOKBACK_DAYS, active_drift
from toby_pipelines.baselines.rolling import WINDOW_DAYS, rolling_average_views, window_start
from toby_pipelines.loop.days import days_back
from toby_pipelines.loop.isolation import FailedUnit, describe, settle_units, write_together
from toby_pipelines.loop.user_batches import user_batches
from toby_pipelines.metrics.checkpoints import SCORED_CHECKPOINTS
from toby_pipelines.sharding.shards import ALL_USERS, Shard
from toby_pipelines.storage.activity import activity_line, write_activity
from toby_pipelines.storage.baselines import BaselineRow, replace_baselines
from toby_pipelines.storage.brands import list_brands, slot_times_by_brand
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.scores import final_scores_between
from toby_pipelines.storage.snapshots import snapshots_between, view_observations


@dataclass(frozen=True)
class BaselineSummary:
    day: dt.date
    rows: list[BaselineRow]
    brand_names: dict[str, str]
    failed: list[FailedUnit] = field(default_factory=list)  # users whose baselines failed


def compute_baselines(
    database: Database, day: dt.date, now: dt.datetime, shard: Shard = ALL_USERS
) -> BaselineSummary:
    """Baselines of the shard's users' brands as of `day`, each user written on their own."""
    with database.engine.connect() as connection:
        brands = [brand for brand in list_brands(connection) if shard.owns(brand.user_id)]
        slots = slot_times_by_brand(connection)
    summary = BaselineSummary(day, [], {brand.id: brand.name for brand in brands})
    succeeded: dict[str, str] = {}
    brands_of: dict[str, list] = defaultdict(list)
    for brand in brands:
        brands_of[brand.user_id].append(brand)
    for batch in user_batches(sorted(brands_of)):  # memory bounded by a batch of users
        views, captures_by, finals_by = _batch_history(database, batch, day)
        computed: list[_UserBaselines] = []
        for user_id in batch:
            mine = brands_of[user_id]
            try:
                rows, new_drifts = _user_baselines(mine, slots, captures_by, finals_by, views, day)
            except Exception as error:  # this user's failure is theirs alone
                summary.failed.append(FailedUnit(user_id, user_id, describe(error)))
                continue
            computed.append(_UserBaselines(user_id, [b.id for b in mine], rows, new_drifts))
        written = write_together(
            database,
            computed,
            lambda connection, users: _write_users(connection, users, day, now),
            lambda user: user.user_id,
            summary.failed,
        )
        for user in written:
            succeeded[user.user_id] = user.user_id
            summary.rows.extend(user.rows)
    settle_units(
        database,
        stage="brand_baselines",
        partition_key=day.isoformat(),
        succeeded=succeeded,
        failed=summary.failed,
        now=now,
    )
    return summary


@dataclass(frozen=True)
class _UserBaselines:
    user_id: str
    brand_ids: list[str]
    rows: list[BaselineRow]
    new_drifts: list[tuple[str, BaselineRow]]


def _write_users(connection, users: Sequence[_UserBaselines], day, now) -> None:
    replace_baselines(
        connection,
        day,
        [row for user in users for row in user.rows],
        [brand_id for user in users for brand_id in user.brand_ids],
    )
    write_activity(
        connection,
        [
            activity_line(
                user_id=user.user_id,
                action_type="drift_detected",
                description=f"Drift detected for {brand_name} {row.content_type}s: {row.drift_reason}",
                dedupe_key=f"drift:{row.brand_id}:{row.content_type}:{day}",
                now=now,
                level="warning",
            )
            for user in users
            for brand_name, row in user.new_drifts
        ],
    )


def _batch_history(database: Database, users: list[str], day: dt.date):
    """The batch's rolling views, captured follower counts and final scores, grouped by brand and
    content type once (each brand reads its own rows instead of filtering everyone's)."""
    with database.engine.connect() as connection:
        snapshots = snapshots_between(
            connection, window_start(day, WINDOW_DAYS), day, SCORED_CHECKPOINTS, users
        )
        finals = final_scores_between(connection, days_back(day, LOOKBACK_DAYS - 1), day, users)
    views = rolling_average_views(view_observations(snapshots), day)
    finals_by: dict[tuple[str, str], list] = defaultdict(list)
    for brand_id, content_type, scored_on, score in finals:
        finals_by[(brand_id, content_type)].append((scored_on, score))
    captures_by: dict[tuple[str, str], list] = defaultdict(list)
    for snap in snapshots:
        captures_by[(snap.brand_id, snap.content_type)].append(
            (snap.day, snap.followers_at_capture)
        )
    return views, captures_by, finals_by


def _user_baselines(brands, slots, captures_by, finals_by, views, day):
    first_day = window_start(day, WINDOW_DAYS)
    rows: list[BaselineRow] = []
    new_drifts: list[tuple[str, BaselineRow]] = []
    for brand in brands:
        for content_type in sorted(slots.get(brand.id, {})):
            history = finals_by.get((brand.id, content_type), [])
            in_window = [s for d, s in history if d >= first_day]
            captures = captures_by.get((brand.id, content_type), [])
            drift = active_drift(history, day)
            row = BaselineRow(
                as_of_date=day,
                brand_id=brand.id,
                content_type=content_type,
                avg_views_48h=views.get((brand.id, content_type, "48h")),
                avg_views_7d=views.get((brand.id, content_type, "7d")),
                avg_score=sum(in_window) / len(in_window) if in_window else None,
                post_count=len(in_window),
                # Only captured counts: a live count would make a re-run of an old day differ.
                followers=max(captures)[1] if captures else None,
                recent_avg_score=drift.recent_avg if drift else None,
                previous_avg_score=drift.previous_avg if drift else None,
                drift_action=drift.action if drift else None,
                drift_explore_ratio=drift.explore_ratio if drift else None,
                drift_until=drift.until if drift else None,
                drift_reason=drift.reason if drift else None,
            )
            rows.append(row)
            if drift and drift.detected_on == day:
                new_drifts.append((brand.name, row))
    return rows, new_drifts
