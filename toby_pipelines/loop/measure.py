"""Capture the metrics of every published post that reaches a checkpoint on a given day.

Failures stay where they happen. A post whose capture fails costs only that checkpoint; an
account the platform will not serve (token, permission, restriction) or a throttle costs only
that brand's captures in this run. Every failed capture is recorded with its reason and retried
by later runs (the sensor asks for them) until it succeeds or its checkpoint is too old to mean
anything, when it is marked missing. A bad metric row is rejected, naming the post, field and
value, and the rest of the day is written. A media deleted on the platform is noticed, recorded
and no longer measured.

On a live platform a snapshot is a fact of its moment: a checkpoint already captured is never
captured again, and a late capture records when it was really observed. The simulated platform
answers for any moment, so there a re-run replays the day exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.loop.accounts_in_parallel import by_account, concurrency_of, for_each_account
from toby_pipelines.loop.cycle_collection import cycle_collection_paused
from toby_pipelines.loop.days import day_end, day_start
from toby_pipelines.loop.reauthorization import flag_account_blocked
from toby_pipelines.loop.user_batches import user_batches
from toby_pipelines.metrics.checkpoints import (
    CHECKPOINTS,
    LONGEST_CHECKPOINT,
    CheckpointDue,
    capture_deadline,
    checkpoints_between,
)
from toby_pipelines.metrics.validation import MetricsValidationError, parse_metrics
from toby_pipelines.platforms.api_errors import (
    AccountBlockedError,
    MediaGoneError,
    RateLimitedError,
)
from toby_pipelines.platforms.base import Platform
from toby_pipelines.sharding.shards import ALL_USERS, Shard
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.brands import list_brands, update_followers
from toby_pipelines.storage.capture_failures import (
    capture_failures_on,
    clear_capture_failures,
    record_capture_failure,
)
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.platform_state import blocked_accounts
from toby_pipelines.storage.posts import PublishedPost, mark_deleted, published_between
from toby_pipelines.storage.snapshots import (
    Snapshot,
    captured_checkpoints,
    insert_new_snapshots,
    upsert_snapshots,
)


@dataclass
class BrandCaptures:
    captured: int = 0
    retrying: int = 0
    missing: int = 0
    deleted: int = 0


@dataclass(frozen=True)
class FailedCapture:
    post_id: str
    checkpoint: str
    brand_id: str
    reason: str
    status: str = "retrying"


@dataclass
class CaptureSummary:
    day: dt.date
    snapshots: list[Snapshot]  # the first PREVIEW_SNAPSHOTS, for the asset's preview
    snapshot_count: int = 0
    by_checkpoint: dict[str, int] = field(default_factory=dict)
    complete: bool = True
    brands_needing_reauth: list[str] = field(default_factory=list)
    failed: list[FailedCapture] = field(default_factory=list)
    rejected_rows: list[str] = field(default_factory=list)
    deleted_posts: list[str] = field(default_factory=list)
    by_brand: dict[str, BrandCaptures] = field(default_factory=dict)

    @property
    def missing(self) -> int:
        return sum(b.missing for b in self.by_brand.values())


# Users whose posts are captured and written together: memory is bounded by a batch, and a
# live platform still gets enough accounts at once to keep its concurrent calls busy.
USERS_PER_CAPTURE = 500
# The asset shows the first snapshots; the rest are counted, not kept in memory.
PREVIEW_SNAPSHOTS = 200


@dataclass
class _Run:
    """What one batch of users' captures found, before it is written in one transaction."""

    snapshots: list[Snapshot] = field(default_factory=list)
    failed: list[tuple[PublishedPost, CheckpointDue, str]] = field(default_factory=list)
    rejected_rows: list[str] = field(default_factory=list)
    deleted: dict[str, PublishedPost] = field(default_factory=dict)
    blocked: dict[str, tuple[PublishedPost, AccountBlockedError]] = field(default_factory=dict)
    paused: dict[str, str] = field(default_factory=dict)  # brand -> why (throttled this run)
    # The newest follower count read per account handle, and when it held.
    followers: dict[str, tuple[dt.datetime, int]] = field(default_factory=dict)


@cycle_collection_paused()
def capture_snapshots(
    database: Database,
    platform: Platform,
    day: dt.date,
    now: dt.datetime,
    shard: Shard = ALL_USERS,
) -> CaptureSummary:
    """Snapshots for checkpoints reached on `day` up to `now` of the shard's users' posts, each
    post on its own, `USERS_PER_CAPTURE` users at a time (each batch written as it is done)."""
    start = day_start(day)
    end = min(day_end(day), now + dt.timedelta(microseconds=1))
    live = not getattr(platform, "replays_history", False)
    with database.engine.connect() as connection:
        users = sorted({b.user_id for b in list_brands(connection) if shard.owns(b.user_id)})
        waiting = blocked_accounts(connection)
    summary = CaptureSummary(day, [])
    by_brand: dict[str, BrandCaptures] = defaultdict(BrandCaptures)
    brands: set[str] = set()
    for batch in user_batches(users, USERS_PER_CAPTURE):
        with database.engine.connect() as connection:
            posts = published_between(connection, start - LONGEST_CHECKPOINT, end, batch)
            done = captured_checkpoints(connection, [p.id for p in posts]) if live else set()
        run = _capture(platform, posts, start, end, now, live, done, waiting)
        _write(database, day, now, posts, run, live, summary)
        brands.update(p.brand_id for p in posts)
        brand_of = {p.id: p.brand_id for p in posts}
        for snapshot in run.snapshots:
            by_brand[brand_of[snapshot.post_id]].captured += 1
        for post in run.deleted.values():
            by_brand[post.brand_id].deleted += 1
    with database.engine.connect() as connection:
        recorded = capture_failures_on(connection, day)
    if not shard.whole:  # another shard's failures are its own runs' to show
        recorded = [failure for failure in recorded if failure.brand_id in brands]
    for failure in recorded:
        if failure.status == "missing":
            by_brand[failure.brand_id].missing += 1
        else:
            by_brand[failure.brand_id].retrying += 1
    summary.complete = end >= day_end(day) and not recorded
    summary.brands_needing_reauth.sort()
    summary.deleted_posts.sort()
    summary.by_brand = dict(sorted(by_brand.items()))
    return summary


def _capture(platform, posts, start, end, now, live, done, waiting) -> _Run:
    # A platform that can read a window's media at once (the simulator) does so here.
    prefetch = getattr(platform, "prefetch", None)
    if prefetch is not None:
        prefetch([p.media_id for p in posts], [p.account_handle for p in posts], start, end)
    run = _Run()
    # A live platform's count is of now: one call per brand account and run.
    followers: dict[tuple[str, str], int] = {}

    def capture(post: PublishedPost) -> None:
        for due in checkpoints_between(post.published_at, start, end):
            if (post.id, due.checkpoint) in done or post.id in run.deleted:
                continue
            why_not = waiting.get((post.brand_id, post.platform)) or run.paused.get(post.brand_id)
            if post.brand_id in run.blocked:
                why_not = str(run.blocked[post.brand_id][1])
            if why_not:
                run.failed.append((post, due, f"account waits for re-authorization: {why_not}"))
                continue
            _capture_one(platform, post, due, now, live, followers, run)

    # Brands in parallel as far as the platform takes calls at once; each brand's posts in
    # order, so a throttle or a blocked account stops that brand's next calls, nobody else's.
    for_each_account(
        by_account(posts, lambda post: (post.brand_id, post.platform)),
        capture,
        concurrency_of(platform),
    )
    return run


def _capture_one(
    platform: Platform,
    post: PublishedPost,
    due: CheckpointDue,
    now: dt.datetime,
    live: bool,
    followers: dict[tuple[str, str], int],
    run: _Run,
) -> None:
    account = (post.brand_id, post.platform)
    try:
        raw = dict(
            platform.fetch_metrics(
                post.media_id,
                due.at,
                brand_id=post.brand_id,
                content_type=post.content_type,
                platform=post.platform,
            )
        )
        if not live or account not in followers:
            followers[account] = platform.followers(
                post.account_handle, due.at, brand_id=post.brand_id, platform=post.platform
            )
            counted_at = now if live else due.at  # a live count is of now
            newest = run.followers.get(post.account_handle)
            if newest is None or newest[0] <= counted_at:
                run.followers[post.account_handle] = (counted_at, followers[account])
    except AccountBlockedError as error:
        run.blocked[post.brand_id] = (post, error)
        run.failed.append((post, due, str(error)))
        return
    except MediaGoneError:
        run.deleted[post.id] = post
        return
    except RateLimitedError as error:
        # Calling this brand again now would only be throttled again.
        run.paused[post.brand_id] = f"throttled: {error}"
        run.failed.append((post, due, str(error)))
        return
    except Exception as error:  # one post's failure, whatever it is, costs only that post
        run.failed.append((post, due, f"{type(error).__name__}: {error}"))
        return
    try:
        metrics = parse_metrics(post.id, raw)
    except MetricsValidationError as error:
        problems = [f"{p} (checkpoint {due.checkpoint})" for p in error.problems]
        run.rejected_rows.extend(problems)
        run.failed.append((post, due, "rejected: " + "; ".join(problems)))
        return
    run.snapshots.append(
        Snapshot(
            post_id=post.id,
            checkpoint=due.checkpoint,
            checkpoint_at=due.at,
            partition_date=due.at.date(),
            captured_at=now,
            followers_at_capture=followers[account],
            observed_at=max(now, due.at) if live else due.at,
            **vars(metrics),
        )
    )


def _write(
    database: Database,
    day: dt.date,
    now: dt.datetime,
    posts: list[PublishedPost],
    run: _Run,
    live: bool,
    summary: CaptureSummary,
) -> None:
    """Write one batch's captures in one transaction and add them to the summary."""
    owners = {p.id: p.user_id for p in posts}
    failed: list[FailedCapture] = []
    with database.transaction() as connection:
        if live:
            insert_new_snapshots(connection, run.snapshots)
        else:
            upsert_snapshots(connection, run.snapshots)
        clear_capture_failures(connection, [(s.post_id, s.checkpoint) for s in run.snapshots])
        for post, due, reason in run.failed:
            status = record_capture_failure(
                connection,
                post_id=post.id,
                checkpoint=due.checkpoint,
                checkpoint_at=due.at,
                day=due.at.date(),
                brand_id=post.brand_id,
                reason=reason,
                give_up_at=capture_deadline(due.checkpoint, due.at),
                now=now,
            )
            failed.append(
                FailedCapture(post.id, due.checkpoint, post.brand_id, scrub(reason), status)
            )
        for post_id, post in run.deleted.items():
            if mark_deleted(connection, post_id, now):
                log_activity(
                    connection,
                    user_id=post.user_id,
                    action_type="post_deleted",
                    description=(
                        f"Post {post_id} ({post.content_type}) was deleted on {post.platform};"
                        " it is no longer measured"
                    ),
                    dedupe_key=f"deleted:{post_id}",
                    now=now,
                    level="warning",
                    metadata={"post_id": post_id, "media_id": post.media_id},
                )
            clear_capture_failures(connection, [(post_id, c) for c in CHECKPOINTS])
        for post, error in run.blocked.values():
            flag_account_blocked(connection, post.user_id, post.brand_id, post.platform, error, now)
        update_followers(connection, run.followers)
        _log_day(connection, day, now, run, owners, failed)
    room = PREVIEW_SNAPSHOTS - len(summary.snapshots)
    summary.snapshots.extend(run.snapshots[: max(room, 0)])
    summary.snapshot_count += len(run.snapshots)
    for snapshot in run.snapshots:
        summary.by_checkpoint[snapshot.checkpoint] = (
            summary.by_checkpoint.get(snapshot.checkpoint, 0) + 1
        )
    summary.brands_needing_reauth.extend(run.blocked)
    summary.failed.extend(failed)
    summary.rejected_rows.extend(run.rejected_rows)
    summary.deleted_posts.extend(run.deleted)


def _log_day(connection, day, now, run: _Run, owners, failed: list[FailedCapture]) -> None:
    for user_id, count in Counter(owners[s.post_id] for s in run.snapshots).items():
        log_activity(
            connection,
            user_id=user_id,
            action_type="metrics_collected",
            description=f"Collected metrics for {count} checkpoint(s) on {day}",
            dedupe_key=f"metrics:{user_id}:{day}",
            now=now,
        )
    for user_id, count in Counter(owners[f.post_id] for f in failed).items():
        mine = [f for f in failed if owners[f.post_id] == user_id]
        missing = sum(f.status == "missing" for f in mine)
        log_activity(
            connection,
            user_id=user_id,
            action_type="metrics_failed",
            description=(
                f"Could not collect metrics for {count} checkpoint(s) on {day}"
                f" ({count - missing} will be retried, {missing} missing): {mine[0].reason}"
            ),
            dedupe_key=f"metrics-failed:{user_id}:{day}",
            now=now,
            level="warning",
            metadata={"failed": [f"{f.post_id} {f.checkpoint}: {f.reason}" for f in mine[:20]]},
        )
