"""Brand baselines for a day: rolling averages and the drift rule, per brand and content type."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from toby_pipelines.baselines.drift import LOOKBACK_DAYS, active_drift_from_totals
from toby_pipelines.baselines.rolling import WINDOW_DAYS, average_views, window_start
from toby_pipelines.loop.cycle_collection import cycle_collection_paused
from toby_pipelines.loop.days import days_back
from toby_pipelines.loop.isolation import FailedUnit, describe, settle_units, write_together
from toby_pipelines.loop.user_batches import user_batches
from toby_pipelines.metrics.checkpoints import SCORED_CHECKPOINTS
from toby_pipelines.sharding.shards import ALL_USERS, Shard
from toby_pipelines.storage.activity import activity_line, write_activity
from toby_pipelines.storage.baselines import BaselineRow, replace_baselines
from toby_pipelines.storage.brands import list_brands, slot_times_by_brand
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.scores import final_score_totals_by_day
from toby_pipelines.storage.snapshots import latest_captured_followers, view_totals_between


@dataclass(frozen=True)
class BaselineSummary:
    day: dt.date
    rows: list[BaselineRow]
    brand_names: dict[str, str]
    failed: list[FailedUnit] = field(default_factory=list)  # users whose baselines failed


@cycle_collection_paused()
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
    # Sums per brand and content type, one query each for the whole shard: a query per batch of
    # users would scan the window's rows once per batch.
    views, followers, finals_by = _history(
        database, None if shard.whole else sorted(brands_of), day
    )
    for batch in user_batches(sorted(brands_of)):
        computed: list[_UserBaselines] = []
        for user_id in batch:
            mine = brands_of[user_id]
            try:
                rows, new_drifts = _user_baselines(mine, slots, followers, finals_by, views, day)
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


def _history(database: Database, users: list[str] | None, day: dt.date):
    """The users' (everyone's with None) rolling views, latest captured follower counts and daily final-score totals,
    summed by the database and grouped by brand and content type."""
    first_day = window_start(day, WINDOW_DAYS)
    with database.engine.connect() as connection:
        totals = view_totals_between(connection, first_day, day, SCORED_CHECKPOINTS, users)
        followers = latest_captured_followers(connection, first_day, day, SCORED_CHECKPOINTS, users)
        finals = final_score_totals_by_day(
            connection, days_back(day, LOOKBACK_DAYS - 1), day, users
        )
    views = average_views(totals)
    finals_by: dict[tuple[str, str], dict[dt.date, tuple[float, int]]] = defaultdict(dict)
    for brand_id, content_type, scored_on, total, count in finals:
        finals_by[(brand_id, content_type)][scored_on] = (total, count)
    return views, followers, finals_by


def _user_baselines(brands, slots, followers, finals_by, views, day):
    first_day = window_start(day, WINDOW_DAYS)
    rows: list[BaselineRow] = []
    new_drifts: list[tuple[str, BaselineRow]] = []
    for brand in brands:
        for content_type in sorted(slots.get(brand.id, {})):
            daily = finals_by.get((brand.id, content_type), {})
            in_window = [totals for d, totals in daily.items() if d >= first_day]
            post_count = sum(count for _, count in in_window)
            drift = active_drift_from_totals(daily, day)
            row = BaselineRow(
                as_of_date=day,
                brand_id=brand.id,
                content_type=content_type,
                avg_views_48h=views.get((brand.id, content_type, "48h")),
                avg_views_7d=views.get((brand.id, content_type, "7d")),
                avg_score=sum(total for total, _ in in_window) / post_count if post_count else None,
                post_count=post_count,
                # Only captured counts: a live count would make a re-run of an old day differ.
                followers=followers.get((brand.id, content_type)),
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
