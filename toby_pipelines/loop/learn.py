"""Strategy posteriors as of a day, per user, brand, content type, dimension and option; with
them the day's experiments, audience changes, resting topics and phase transitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field

from toby_pipelines.discovery.trends import trending_topics
from toby_pipelines.loop.carried_detectors import detect_batch
from toby_pipelines.loop.cycle_collection import cycle_collection_paused
from toby_pipelines.loop.days import day_end, day_start, days_back
from toby_pipelines.loop.discover import TREND_WINDOW
from toby_pipelines.loop.isolation import FailedUnit, describe, settle_units, write_together
from toby_pipelines.loop.read_ahead import read_ahead
from toby_pipelines.loop.user_batches import user_batches
from toby_pipelines.metrics.checkpoints import FINAL_CHECKPOINT, LONGEST_CHECKPOINT, MAX_LATENESS
from toby_pipelines.sharding.shards import ALL_USERS, Shard
from toby_pipelines.storage.activity import activity_line, write_activity
from toby_pipelines.storage.brands import BrandRecord, list_brands, option_pool_overrides
from toby_pipelines.storage.database import Database, roomy_sorts
from toby_pipelines.storage.detector_states import (
    StoredDetector,
    detector_states,
    save_detector_states,
)
from toby_pipelines.storage.discovery import findings_between
from toby_pipelines.storage.experiments import experiments_as_of, save_experiments
from toby_pipelines.storage.posteriors import replace_posteriors, stored_leaders
from toby_pipelines.storage.posts import deleted_posts
from toby_pipelines.storage.scores import scored_posts_between
from toby_pipelines.storage.toby_state import advance_phase, learning_since, toby_settings
from toby_pipelines.strategy.change_detection import ChangePoint
from toby_pipelines.strategy.deletions import DeletedPost
from toby_pipelines.strategy.dimensions import CONTENT_TYPES, option_pools
from toby_pipelines.strategy.experiments import Experiment, advance, posts_since
from toby_pipelines.strategy.phases import phase_on
from toby_pipelines.strategy.posteriors import (
    LEARNING_HORIZON_DAYS,
    BrandProfile,
    OptionPosterior,
    leaders,
    learn_streams,
    learn_user,
    user_streams,
)
from toby_pipelines.strategy.topic_rotation import RestingTopic

# Users whose learning horizons are read and learned together (about 400,000 scores).
USERS_PER_LEARNING_READ = 200
# The asset shows the first posteriors as a table; the rest are counted, not kept in memory.
PREVIEW_POSTERIORS = 400
# Audience changes are announced while the final score that raised their alarm can still arrive
# (7 days after publishing, captured up to 3 days late) and for a week of failed, retried days
# after: the carried detectors keep the changes detected within the horizon, already announced.
ANNOUNCED_WITHIN = LONGEST_CHECKPOINT + MAX_LATENESS[FINAL_CHECKPOINT] + dt.timedelta(days=7)


@dataclass
class PosteriorSummary:
    day: dt.date
    posteriors: list[tuple[str, OptionPosterior]]  # the first PREVIEW_POSTERIORS
    leader_changes: list[str]
    brand_names: dict[str, str]
    changes: list[ChangePoint] = field(default_factory=list)
    resting: list[RestingTopic] = field(default_factory=list)
    experiments: list[Experiment] = field(default_factory=list)
    phases: dict[str, str] = field(default_factory=dict)
    failed: list[FailedUnit] = field(default_factory=list)
    posterior_count: int = 0
    # Streams whose change detector went on from yesterday's state, and those started again
    # from the horizon (`carried_detectors`).
    detectors_carried: int = 0
    detectors_started_again: int = 0


def brand_profile(brand: BrandRecord, overrides: dict) -> BrandProfile:
    return BrandProfile(
        brand.id,
        {
            ct: option_pools(ct, brand.topic_buckets, overrides.get(brand.id, {}).get(ct))
            for ct in CONTENT_TYPES
        },
    )


@cycle_collection_paused()
def compute_posteriors(
    database: Database, day: dt.date, now: dt.datetime, shard: Shard = ALL_USERS
) -> PosteriorSummary:
    """The shard's users' posteriors. Each user learns on their own: one user's failure (bad
    data, a bug their data reaches) is recorded and retried while every other user's
    posteriors are written."""
    with database.engine.connect() as connection:
        brands = [brand for brand in list_brands(connection) if shard.owns(brand.user_id)]
        overrides = option_pool_overrides(connection)
        users = sorted({brand.user_id for brand in brands})
        running = experiments_as_of(connection, day, None if shard.whole else users)
        settings = {s.user_id: s for s in toby_settings(connection)}
        outside = findings_between(connection, day_start(day) - TREND_WINDOW, day_end(day))
    names = {brand.id: brand.name for brand in brands}
    brands_of: dict[str, list] = {}
    for brand in brands:
        brands_of.setdefault(brand.user_id, []).append(brand)
    run = _Run(
        database, day, now, brands_of, overrides, running, settings, outside,
        owners={brand.id: brand.user_id for brand in brands},
        summary=PosteriorSummary(day, [], [], names),
    )  # fmt: skip
    # The horizon's scores of a batch of users only: memory stays bounded by a batch however
    # many users there are. Batches are large enough for their brands' audience changes to be
    # replayed side by side (`detect_changes_many`) at a fraction of the cost of one by one.
    # The next batch is read while this one is learned (`read_ahead`): two batches at most.
    batches = read_ahead(
        user_batches(users, USERS_PER_LEARNING_READ),
        lambda batch: _read_batch(database, batch, day),
    )
    with closing(batches):
        for batch, read in batches:
            _learn_batch(run, batch, read)
    settle_units(
        database,
        stage="strategy_posteriors",
        partition_key=day.isoformat(),
        succeeded=run.succeeded,
        failed=run.summary.failed,
        now=now,
    )
    return run.summary


@dataclass
class _Run:
    """What every batch of one day's learning shares, and what it adds up."""

    database: Database
    day: dt.date
    now: dt.datetime
    brands_of: dict[str, list[BrandRecord]]
    overrides: dict
    running: dict
    settings: dict
    outside: dict
    owners: dict[str, str]
    summary: PosteriorSummary
    succeeded: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _BatchRead:
    """What learning reads of a batch of users: each one's horizon of scores (with the day each
    was scored), stored leaders, deleted posts and the day each user who reset Toby learns
    from; the batch's change detectors as of the day before."""

    by_user: dict[str, list]
    stored: dict
    deleted: dict[str, list[DeletedPost]]
    since: dict[str, dt.date]
    detectors: dict[tuple[str, str], StoredDetector]


def _read_batch(database: Database, batch: list[str], day: dt.date) -> _BatchRead:
    """A batch's `_BatchRead`, from the day each user last reset Toby on (`reset_learning`)."""
    by_user = _scores_by_user(database, batch, day)
    with database.engine.connect() as connection:
        stored = stored_leaders(connection, batch)
        deleted: dict[str, list[DeletedPost]] = {}
        first = days_back(day, LEARNING_HORIZON_DAYS - 1)
        for owner, post in deleted_posts(connection, batch, first, day):
            deleted.setdefault(owner, []).append(post)
        # A user who reset Toby learns only from posts published since (`reset_learning`).
        since = learning_since(connection, batch)
        for owner, reset_on in since.items():
            by_user[owner] = [s for s in by_user.get(owner, []) if s[1].published_on >= reset_on]
            deleted[owner] = [d for d in deleted.get(owner, []) if d.published_on >= reset_on]
        detectors = detector_states(connection, batch, day - dt.timedelta(days=1))
    return _BatchRead(by_user, stored, deleted, since, detectors)


def _learn_batch(run: _Run, batch: list[str], read: _BatchRead) -> None:
    """Learn and write one batch of users; each user's failure is recorded in the summary."""
    day, summary = run.day, run.summary
    by_user, stored, deleted = read.by_user, read.stored, read.deleted
    prepared: dict[str, tuple] = {}
    for user_id in batch:
        try:
            profiles = [brand_profile(b, run.overrides) for b in run.brands_of.get(user_id, [])]
            streams = user_streams(
                profiles,
                [p for _, p in by_user.get(user_id, [])],
                day,
                deleted.get(user_id, []),
            )
            prepared[user_id] = (profiles, streams)
        except Exception as error:  # this user's failure is theirs alone
            summary.failed.append(FailedUnit(user_id, user_id, describe(error)))
    detected = detect_batch(
        {user: streams for user, (_, streams) in prepared.items()},
        {user: _arrived(by_user.get(user, []), day) for user in prepared},
        read.detectors,
        read.since,
        days_back(day, LEARNING_HORIZON_DAYS - 1),
    )
    summary.detectors_carried += detected.carried
    summary.detectors_started_again += detected.started_again
    learned: list[_Learned] = []
    for user_id, (profiles, streams) in prepared.items():
        try:
            learned.append(
                _Learned(user_id, *_learn_user(
                    user_id, profiles, streams, detected.changes.get(user_id),
                    by_user.get(user_id, []), run.running, run.settings, run.outside, day,
                    summary.brand_names, stored.get(user_id), deleted.get(user_id, []),
                ), detectors=detected.states.get(user_id, []))
            )  # fmt: skip
        except Exception as error:  # this user's failure is theirs alone
            summary.failed.append(FailedUnit(user_id, user_id, describe(error)))
    written = write_together(
        run.database,
        learned,
        lambda connection, units: _write_users(connection, units, run.owners, day, run.now),
        lambda unit: unit.user_id,
        summary.failed,
    )
    for done in written:
        run.succeeded[done.user_id] = done.user_id
        part = done.part
        summary.posterior_count += len(part.posteriors)
        room = PREVIEW_POSTERIORS - len(summary.posteriors)
        summary.posteriors.extend(part.posteriors[: max(room, 0)])
        summary.changes.extend(part.changes)
        summary.resting.extend(part.resting)
        summary.experiments.extend(part.experiments)
        summary.phases.update(part.phases)
        summary.leader_changes.extend(text for _, _, text in done.leader_changes)


@dataclass
class _Learned:
    user_id: str
    part: PosteriorSummary
    leader_changes: list
    phase_move: tuple[str, str] | None
    # Its change detectors as of the day (none when they could not be carried nor started).
    detectors: list[StoredDetector] = field(default_factory=list)


def _write_users(connection, learned: Sequence[_Learned], owners, day, now) -> None:
    replace_posteriors(
        connection,
        day,
        [one.user_id for one in learned],
        [row for one in learned for row in one.part.posteriors],
        [topic for one in learned for topic in one.part.resting],
    )
    save_experiments(connection, owners, [e for one in learned for e in one.part.experiments], day)
    save_detector_states(
        connection,
        day,
        [one.user_id for one in learned if one.detectors],
        [detector for one in learned for detector in one.detectors],
    )
    write_activity(
        connection,
        [line for one in learned for line in _log_lines(one.part, one.leader_changes, owners, now)],
    )
    for one in learned:
        if one.phase_move is not None:
            advance_phase(connection, one.user_id, *one.phase_move, day, now)


def _scores_by_user(database: Database, users: list[str], day: dt.date) -> dict[str, list]:
    with database.engine.connect() as connection:
        roomy_sorts(connection)
        scored = scored_posts_between(
            connection, days_back(day, LEARNING_HORIZON_DAYS - 1), day, users
        )
    by_user: dict[str, list] = {}
    for owner, scored_on, post in scored:
        by_user.setdefault(owner, []).append((scored_on, post))
    return by_user


def _arrived(scored: list, day: dt.date) -> set[str]:
    """The posts among a user's horizon whose final score was scored on `day`, the horizon's
    last: its scores come in score-date order (`scored_posts_between`), so only the day's tail
    is read, not the whole horizon."""
    arrived = set()
    for scored_on, post in reversed(scored):
        if scored_on != day:
            break
        if post.phase == "7d":
            arrived.add(post.post_id)
    return arrived


def _learn_user(
    user_id, profiles, streams, detected, mine, running, settings, outside, day, names, stored,
    deleted,
):  # fmt: skip
    state = settings.get(user_id)
    # The cross_brand_learning flag off: each brand learns from its own posts only.
    borrow = state is None or state.allows("cross_brand_learning")
    learning = learn_streams(profiles, streams, day, borrow=borrow, detected=detected)
    part = PosteriorSummary(day, [(user_id, item) for item in learning.posteriors], [], names)
    part.changes.extend(learning.changes)
    part.resting.extend(learning.resting)
    trending = {
        p.brand_id: set(trending_topics(outside.get(p.brand_id, []), _topics(p))) for p in profiles
    }
    part.experiments.extend(
        _experiments(profiles, learning, streams.streams, running, day, user_id, trending)
    )
    phase_move = None
    if state is not None:
        enabled_on = state.enabled_at.date() if state.enabled_at else None
        phase, reason = phase_on(state.phase, enabled_on, day, len(learning.posts))
        part.phases[user_id] = phase
        if reason is not None:
            phase_move = (phase, reason)
    leader_changes = (
        _leader_changes(profiles, mine, learning, day, user_id, names, stored, deleted)
        if mine
        else []
    )
    return part, leader_changes, phase_move


def _topics(profile: BrandProfile) -> list[str]:
    return sorted({t for pools in profile.pools.values() for t in pools.get("topic_bucket", ())})


def _retest_now(
    current: Experiment | None, dimension: str, trending: set[str], day: dt.date
) -> bool:
    """A completed topic experiment whose winner is not what trends outside starts again now,
    unless it completed within the trend window (the trend may be what it already saw)."""
    return (
        dimension == "topic_bucket"
        and current is not None
        and current.status == "completed"
        and current.completed_on is not None
        and (day - current.completed_on).days >= TREND_WINDOW.days
        and bool(trending - {current.winner})
    )


def _experiments(profiles, learning, streams, running, day, user_id, trending) -> list[Experiment]:
    """Each dimension's experiment advanced to `day`; `streams` are the posts `learning` learned
    from, by brand and content type (`UserStreams.streams`)."""
    table = learning.table()
    prob_best = {
        (p.brand_id, p.content_type, p.dimension, p.option): p.prob_best
        for p in learning.posteriors
    }
    result = []
    for profile in profiles:
        for content_type, pools in profile.pools.items():
            for dimension, options in pools.items():
                current = running.get((profile.brand_id, content_type, dimension))
                stream = streams.get((profile.brand_id, content_type), [])
                result.append(
                    advance(
                        current,
                        brand_id=profile.brand_id,
                        content_type=content_type,
                        dimension=dimension,
                        options=options,
                        day=day,
                        # An experiment samples only the posts since it began: a month at
                        # most, however long the horizon behind it.
                        posts=posts_since(stream, current.started_on) if current else stream,
                        posteriors=table.get((profile.brand_id, content_type), {}).get(
                            dimension, {}
                        ),
                        prob_best={
                            o: prob_best[(profile.brand_id, content_type, dimension, o)]
                            for o in options
                        },
                        retest_now=_retest_now(
                            current, dimension, trending.get(profile.brand_id, set()), day
                        ),
                        adjusted=learning.experiment_samples(current),
                        noisy=learning.is_noisy(profile.brand_id, content_type),
                    )
                )
    return result


def _leader_changes(profiles, mine, learning, day, user_id, names, stored, deleted):
    """Leaders that changed since the stored posteriors (yesterday's, or an earlier run's of the
    same day; the first time, since yesterday's learned from the scores before today). A
    backfill behind newer posteriors announces nothing: that news is old."""
    if stored is not None and stored[0] > day:
        return []
    if stored is not None:
        before = stored[1]
    else:
        yesterday = learn_user(
            profiles,
            [p for d, p in mine if d < day],
            day,
            summaries=False,
            deleted=[post for post in deleted if post.deleted_on < day],
        )
        before = leaders(yesterday.posteriors)
    after = leaders(learning.posteriors)
    sampled = {
        (item.brand_id, item.content_type, item.dimension)
        for item in learning.posteriors
        if item.sample_count > 0
    }
    changes = []
    for key, option in sorted(after.items()):
        if before.get(key) != option and key in sampled:
            brand_id, content_type, dimension = key
            changes.append(
                (
                    user_id,
                    key,
                    f"{names[brand_id]} {content_type}s: {dimension} leader is now {option}"
                    f" (was {before.get(key)})",
                )
            )
    return changes


def _log_lines(summary: PosteriorSummary, leader_changes, owners, now) -> list[dict]:
    """The activity lines of one user's learning (see `write_activity`)."""
    names = summary.brand_names
    lines = []
    for user_id, (brand_id, content_type, dimension), text in leader_changes:
        lines.append(
            activity_line(
                user_id=user_id,
                action_type="leader_changed",
                description=f"Posterior leader changed: {text}",
                dedupe_key=f"leader:{summary.day}:{brand_id}:{content_type}:{dimension}",
                now=now,
            )
        )
    for change in summary.changes:
        if change.detected_on >= summary.day - ANNOUNCED_WITHIN:
            lines.append(_audience_change_line(change, owners, names, now))
    for topic in summary.resting:
        lines.append(
            activity_line(
                user_id=owners[topic.brand_id],
                action_type="topic_rested",
                description=(
                    f"{names[topic.brand_id]} {topic.content_type}s: topic {topic.topic} scored"
                    f" {', '.join(f'{s:.0f}' for s in topic.scores)} (below {topic.threshold:.0f});"
                    f" deprioritized until {topic.until} unless an experiment brings it back"
                ),
                dedupe_key=f"rested:{topic.brand_id}:{topic.content_type}:{topic.topic}:{topic.since}",
                now=now,
            )
        )
    for experiment in summary.experiments:
        if experiment.status == "completed" and experiment.completed_on == summary.day:
            result = experiment.results[experiment.winner]
            lines.append(
                activity_line(
                    user_id=owners[experiment.brand_id],
                    action_type="experiment_completed",
                    description=(
                        f"{names[experiment.brand_id]} {experiment.content_type}s:"
                        f" {experiment.winner} wins the {experiment.dimension} experiment started"
                        f" {experiment.started_on} (P(best) {result.prob_best:.2f},"
                        f" {result.count} posts)"
                    ),
                    dedupe_key=(
                        f"experiment:{experiment.brand_id}:{experiment.content_type}:"
                        f"{experiment.dimension}:{experiment.started_on}"
                    ),
                    now=now,
                    level="success",
                )
            )
    return lines


def _audience_change_line(change: ChangePoint, owners, names, now: dt.datetime):
    """The activity line of a detected drop (of a content type) or rise (of one option)."""
    brand = f"{names[change.brand_id]} {change.content_type}s"
    detected = f"from {change.changed_on} (detected {change.detected_on})"
    if change.is_rise:
        return activity_line(
            user_id=owners[change.brand_id],
            action_type="option_rose",
            description=(
                f"{brand}: {change.dimension} {change.option} scored {change.shift:.1f} points"
                f" above what its options predicted {detected}; its older evidence now counts a"
                " tenth, so Toby follows its new scores"
            ),
            dedupe_key=(
                f"rise:{change.brand_id}:{change.content_type}:{change.dimension}:"
                f"{change.option}:{change.changed_on}"
            ),
            now=now,
        )
    return activity_line(
        user_id=owners[change.brand_id],
        action_type="audience_changed",
        description=(
            f"{brand}: scores dropped {-change.shift:.1f} points below what their options"
            f" predicted {detected}; older evidence now counts a tenth, so Toby re-explores"
        ),
        dedupe_key=f"audience:{change.brand_id}:{change.content_type}:{change.changed_on}",
        now=now,
        level="warning",
    )
