"""Score the posts whose 48h or 7d snapshot landed on a given day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from toby_pipelines.baselines.rolling import WINDOW_DAYS, average_views
from toby_pipelines.loop.cycle_collection import cycle_collection_paused
from toby_pipelines.loop.days import days_back
from toby_pipelines.loop.isolation import FailedUnit, describe, settle_units, write_together
from toby_pipelines.loop.user_batches import user_batches
from toby_pipelines.metrics.checkpoints import SCORED_CHECKPOINTS
from toby_pipelines.scoring.toby_score import (
    compute_toby_score,
    engagement_rate,
    followers_per_1k_views,
)
from toby_pipelines.sharding.shards import ALL_USERS, Shard
from toby_pipelines.storage.activity import activity_line, write_activity
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.scores import PostScore, upsert_scores
from toby_pipelines.storage.snapshots import (
    snapshots_between,
    users_with_snapshots_on,
    view_totals_between,
)
from toby_pipelines.strategy.experiments import is_game_changer

# A day's scored snapshots of this many users are read together (about 50 each): each read
# scans the day's snapshots, so a few large batches cost the database far less than many small.
USERS_PER_SCORING_READ = 1000
# Scoring day D reads D's snapshots and the views of D-14 through D-1 (the baseline as of D-1).
SNAPSHOT_LOOKBACK_DAYS = WINDOW_DAYS


@dataclass(frozen=True)
class ScoreSummary:
    day: dt.date
    scores: list[PostScore]
    brand_of: dict[str, tuple[str, str]]
    unscored: list[str] = field(default_factory=list)  # posts whose views are unknown
    failed: list[FailedUnit] = field(default_factory=list)  # users whose scoring failed


@cycle_collection_paused()
def score_day(
    database: Database, day: dt.date, now: dt.datetime, shard: Shard = ALL_USERS
) -> ScoreSummary:
    """Toby scores for `day` of the shard's users, each against the brand's baseline as of the
    day before. Each user is scored and written on their own: one user's failure is recorded and
    retried, nobody else's scores wait for it."""
    with database.engine.connect() as connection:
        users = [u for u in users_with_snapshots_on(connection, day) if shard.owns(u)]
    summary = ScoreSummary(day, [], {})
    succeeded: dict[str, str] = {}
    # The baseline as of yesterday (no score reads data from its own future): sums per brand,
    # content type and checkpoint, one query for the whole shard.
    with database.engine.connect() as connection:
        baseline = average_views(
            view_totals_between(
                connection,
                days_back(day, SNAPSHOT_LOOKBACK_DAYS),
                days_back(day, 1),
                SCORED_CHECKPOINTS,
                None if shard.whole else users,
            )
        )
    for batch in user_batches(users, USERS_PER_SCORING_READ):
        with database.engine.connect() as connection:
            snapshots = snapshots_between(connection, day, day, SCORED_CHECKPOINTS, batch)
        todays: dict[str, list] = {}
        for snap in snapshots:
            todays.setdefault(snap.user_id, []).append(snap)
        scored: list[_UserScores] = []
        for user_id, mine in sorted(todays.items()):
            try:
                scored.append(_UserScores(user_id, *_score_user(mine, baseline, day)))
            except Exception as error:  # this user's failure is theirs alone
                summary.failed.append(FailedUnit(user_id, user_id, describe(error)))
        written = write_together(
            database,
            scored,
            lambda connection, users: _write_users(connection, users, day, now),
            lambda user: user.user_id,
            summary.failed,
        )
        for user in written:
            succeeded[user.user_id] = user.user_id
            summary.scores.extend(user.scores)
            summary.brand_of.update(user.brand_of)
            summary.unscored.extend(user.unscored)
    settle_units(
        database,
        stage="scored_posts",
        partition_key=day.isoformat(),
        succeeded=succeeded,
        failed=summary.failed,
        now=now,
    )
    return summary


def _score_user(snapshots, baseline, day):
    scores: list[PostScore] = []
    brand_of: dict[str, tuple[str, str]] = {}
    unscored: list[str] = []
    for snap in snapshots:
        if snap.views is None:
            # Without views there is no score; the next checkpoint may have them.
            unscored.append(snap.post_id)
            continue
        avg_views = baseline.get((snap.brand_id, snap.content_type, snap.checkpoint))
        parts = compute_toby_score(
            views=snap.views,
            # A save or share count the platform does not report adds nothing to engagement.
            saves=snap.saves or 0,
            shares=snap.shares or 0,
            brand_avg_views=avg_views,
            followers=snap.followers_at_capture,
        )
        brand_of[snap.post_id] = (snap.brand_id, snap.content_type)
        scores.append(
            PostScore(
                post_id=snap.post_id,
                phase=snap.checkpoint,
                score_date=day,
                toby_score=parts.toby_score,
                raw_views_score=parts.raw_views_score,
                relative_views_score=parts.relative_views_score,
                engagement_score=parts.engagement_score,
                follower_context_score=parts.follower_context_score,
                views=snap.views,
                baseline_avg_views=avg_views,
                followers_per_1k_views=followers_per_1k_views(snap.follows, snap.views),
                engagement_rate=engagement_rate(
                    likes=snap.likes,
                    comments=snap.comments,
                    saves=snap.saves,
                    shares=snap.shares,
                    reach=snap.reach,
                ),
                is_game_changer=is_game_changer(snap.views, avg_views),
                observed_late_hours=round(snap.observed_late_hours, 2),
            )
        )
    return scores, brand_of, unscored


@dataclass(frozen=True)
class _UserScores:
    user_id: str
    scores: list[PostScore]
    brand_of: dict[str, tuple[str, str]]
    unscored: list[str]


def _write_users(connection, users: Sequence[_UserScores], day, now) -> None:
    upsert_scores(connection, [score for user in users for score in user.scores], now)
    write_activity(connection, [line for user in users for line in _activity(user, day, now)])


def _activity(user: _UserScores, day: dt.date, now: dt.datetime) -> list[dict]:
    scores = user.scores
    lines = []
    if scores:
        phases = Counter(s.phase for s in scores)
        late = sum(s.observed_late_hours > 0 for s in scores)
        lines.append(
            activity_line(
                user_id=user.user_id,
                action_type="analysis_completed",
                description=(
                    f"Scored {len(scores)} post(s) on {day}: {phases.get('48h', 0)} early (48h),"
                    f" {phases.get('7d', 0)} final (7d)"
                    + (f"; {late} from snapshots captured late" if late else "")
                ),
                dedupe_key=f"scored:{user.user_id}:{day}",
                now=now,
            )
        )
    for score in scores:
        if score.is_game_changer and score.phase == "7d":
            content_type = user.brand_of[score.post_id][1]
            lines.append(
                activity_line(
                    user_id=user.user_id,
                    action_type="game_changer",
                    description=(
                        f"Game changer: post {score.post_id} ({content_type}) reached"
                        f" {score.views:,} views, {score.views / score.baseline_avg_views:.1f}x"
                        f" the brand's average (score {score.toby_score:.0f})"
                    ),
                    dedupe_key=f"game_changer:{score.post_id}",
                    now=now,
                    level="success",
                )
            )
    return lines
