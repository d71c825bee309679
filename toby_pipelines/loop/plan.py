"""Fill every empty slot of the next `buffer_days` (and `FILL_LEAD`) with a planned, generated
post."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from toby_pipelines.buffer.health import BufferHealth
from toby_pipelines.buffer.slots import Slot, slots_in_window
from toby_pipelines.content.content_dna import validate_content_dna
from toby_pipelines.content.generated_post import GeneratedPost, GenerationRequest
from toby_pipelines.loop.cycle_collection import cycle_collection_paused
from toby_pipelines.loop.fill_writes import USERS_PER_WRITE, UserFill, write_fills
from toby_pipelines.loop.isolation import FailedUnit, describe, settle_units
from toby_pipelines.loop.write_behind import WriteBehind
from toby_pipelines.storage.baselines import active_drift_ratios
from toby_pipelines.storage.brands import (
    BrandRecord,
    list_brands,
    option_pool_overrides,
    slot_times_by_brand,
)
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.experiments import experiments_as_of, planned_counts
from toby_pipelines.storage.incidents import states_of
from toby_pipelines.storage.option_rules import option_rules
from toby_pipelines.storage.posteriors import latest_posteriors, resting_options
from toby_pipelines.storage.posts import NewPost, filled_slots, recent_titles
from toby_pipelines.storage.review import rejections, review_modes
from toby_pipelines.storage.toby_state import toby_settings
from toby_pipelines.strategy import selection
from toby_pipelines.strategy.dimensions import option_pools
from toby_pipelines.strategy.experiments import turns
from toby_pipelines.strategy.option_rules import restricted_pools
from toby_pipelines.strategy.planning_record import (
    PosteriorVersion,
    decision_record,
    posterior_version,
)
from toby_pipelines.strategy.selection import choose_strategy, prepare_laws

Generate = Callable[[GenerationRequest, str], GeneratedPost]
# A rejected post's slot is drawn again with its seed moved this far per rejection.
REJECTION_SEED_STEP = 1_000_003
# How far back a brand's titles are not repeated.
TITLE_MEMORY = dt.timedelta(days=90)
# A slot is filled this long before it enters the `buffer_days` window. Slot times repeat daily,
# so without a lead a slot would enter the window in the very tick that publishes the same slot
# of `buffer_days` earlier, and a shared slot's publishing would wait for its planning.
FILL_LEAD = dt.timedelta(hours=1)


@dataclass
class UserBuffer:
    user_id: str
    generated: int = 0
    experiments: int = 0
    health: BufferHealth | None = None
    brand_health: dict[str, BufferHealth] = field(default_factory=dict)
    failure: FailedUnit | None = None  # planning this user failed; others went on


def slot_rng(seed: int, slot: Slot) -> np.random.Generator:
    key = f"{seed}|{slot.brand_id}|{slot.content_type}|{slot.at.isoformat()}"
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _brand_slots(brand: BrandRecord, times: dict[str, list[str]], start, end) -> list[Slot]:
    return [
        slot
        for content_type, slot_times in sorted(times.items())
        for slot in slots_in_window(brand.id, content_type, slot_times, start, end)
    ]


@dataclass
class _PlanningData:
    posteriors: dict = field(default_factory=dict)
    noise_sd: dict = field(default_factory=dict)  # (brand, content type) -> `stream_noise`
    unreadable: dict = field(default_factory=dict)  # (brand, content type) -> why
    resting: dict = field(default_factory=dict)
    experiments: dict = field(default_factory=dict)
    planned: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)  # owners' pins and bans
    review_modes: dict = field(default_factory=dict)  # brand -> off | skip | publish
    rejected: dict = field(default_factory=dict)  # slot -> times its post was rejected
    rejected_titles: dict = field(default_factory=dict)  # brand -> titles rejected
    drift_ratios: dict = field(default_factory=dict)


def _planning_data(connection, now: dt.datetime) -> _PlanningData:
    rejected, rejected_titles = rejections(connection, now - TITLE_MEMORY)
    latest = latest_posteriors(connection, now.date())
    return _PlanningData(
        review_modes=review_modes(connection),
        rejected=rejected,
        rejected_titles=rejected_titles,
        posteriors=latest.table,
        noise_sd=latest.noise_sd,
        unreadable=latest.unreadable,
        resting=resting_options(connection, now.date()),
        experiments=experiments_as_of(connection, now.date()),
        # Per active experiment and option, how many posts it has had (counted in SQL).
        planned=planned_counts(connection, now.date()),
        overrides=option_pool_overrides(connection),
        rules=option_rules(connection),
        drift_ratios=active_drift_ratios(connection, now.date()),
    )


def _user_slots(settings, brands, slot_times, now: dt.datetime) -> dict[str, list[Slot]]:
    """{brand id: the slots of the user's buffer window}."""
    end = now + dt.timedelta(days=settings.buffer_days) + FILL_LEAD
    return {
        brand.id: _brand_slots(brand, slot_times.get(brand.id, {}), now, end)
        for brand in brands.get(settings.user_id, [])
    }


def _slots_of_users(users, brands, slot_times, now: dt.datetime) -> dict[str, dict]:
    """Each user's slots, computed once per tick; a user whose slot times cannot be read is
    left out here and fails in their own fill."""
    found = {}
    for settings in users:
        try:
            found[settings.user_id] = _user_slots(settings, brands, slot_times, now)
        except ValueError:
            continue
    return found


def _brands_with_empty_slots(slots_of_users, taken) -> list[str]:
    return sorted(
        brand_id
        for user_slots in slots_of_users.values()
        for brand_id, slots in user_slots.items()
        if any(slot not in taken for slot in slots)
    )


@cycle_collection_paused()
def fill_buffer(
    database: Database, generate: Generate, now: dt.datetime, seed: int = 0
) -> list[UserBuffer]:
    """Plan and generate posts for the empty slots of every user with Toby enabled.

    A user's posts are written with their strategy tags in one transaction once they are all
    generated, and also when generating one fails, so a failure keeps the posts already made;
    the slot's uniqueness means a concurrent or repeated run never double-fills it.
    """
    with database.engine.connect() as connection:
        # The content_generation flag off: no new posts for that user (spec 11.4).
        users = [
            s for s in toby_settings(connection) if s.enabled and s.allows("content_generation")
        ]
        brands: dict[str, list[BrandRecord]] = {}
        for brand in list_brands(connection, [s.user_id for s in users]):
            brands.setdefault(brand.user_id, []).append(brand)
        slot_times = slot_times_by_brand(connection)
        horizon = max((s.buffer_days for s in users), default=0)
        taken = filled_slots(connection, now, now + dt.timedelta(days=horizon) + FILL_LEAD)
        buffer_states = states_of(connection, "buffer")
        slots_of_users = _slots_of_users(users, brands, slot_times, now)
        empty_brands = _brands_with_empty_slots(slots_of_users, taken)
        # What planning reads (posteriors, experiments, planned tags...) is read only when a
        # slot is empty, or a user's slots could not be read (their fill says why): the usual
        # tick between slot times reads slots and nothing more.
        plan = (
            _planning_data(connection, now)
            if empty_brands or len(slots_of_users) < len(users)
            else _PlanningData()
        )
        # The recent titles of the brands with an empty slot, in one read (a steady tick has
        # none; a shared slot's tick has one per brand).
        titles = recent_titles(connection, empty_brands, now - TITLE_MEMORY)
    # Each brand and content type's experiments, grouped once (not scanned for every slot).
    running: dict[tuple[str, str], list] = {}
    for (brand_id, content_type, _), experiment in plan.experiments.items():
        running.setdefault((brand_id, content_type), []).append(experiment)
    results = []
    # Users' posts are written USERS_PER_WRITE users to a transaction (`fill_writes`), each
    # batch while the next is planned (`WriteBehind`). Planning reads `taken` for its own
    # users' slots only, which no other user's write adds to.
    waiting: list[tuple[UserFill, UserBuffer]] = []
    with WriteBehind() as writes:
        for settings in users:
            summary = UserBuffer(settings.user_id)
            results.append(summary)
            fill = UserFill(settings.user_id, settings.buffer_days, [], {})
            try:
                user_slots = slots_of_users.get(settings.user_id)
                if user_slots is None:
                    user_slots = _user_slots(settings, brands, slot_times, now)
                _fill_user(
                    generate, now, seed, settings, brands, user_slots, plan.posteriors,
                    plan.resting, running, plan.planned, plan.overrides, plan, plan.drift_ratios,
                    taken, titles, fill,
                )  # fmt: skip
            except Exception as error:  # this user's failure is theirs alone
                # What was generated before the failure is still written.
                fill.complete = False
                summary.failure = FailedUnit(settings.user_id, settings.user_id, describe(error))
            waiting.append((fill, summary))
            if len(waiting) >= USERS_PER_WRITE:
                writes.submit(_write, database, waiting, now, taken, buffer_states)
                waiting = []
        writes.submit(_write, database, waiting, now, taken, buffer_states)
    settle_units(
        database,
        stage="content_buffer",
        partition_key="",
        succeeded={r.user_id: r.user_id for r in results if r.failure is None},
        failed=[r.failure for r in results if r.failure is not None],
        now=now,
    )
    return results


def _write(database, waiting, now, taken, buffer_states) -> None:
    failed: list[FailedUnit] = []
    written = write_fills(
        database, [fill for fill, _ in waiting], now, taken, buffer_states, failed
    )
    done = {id(fill) for fill in written}
    refused = {failure.user_id: failure for failure in failed}
    for fill, summary in waiting:
        if id(fill) not in done:
            summary.failure = summary.failure or refused.get(fill.user_id)
            continue
        summary.generated = len(fill.inserted)
        summary.experiments = sum(int(post.choice.is_experiment) for post in fill.inserted)
        if fill.complete:
            summary.health, summary.brand_health = fill.health, fill.brand_health


def _fill_user(
    generate, now, seed, settings, brands, user_slots, posteriors, resting, running, planned,
    overrides, plan, drift_ratios, taken, titles, fill: UserFill,
) -> None:  # fmt: skip
    """Plan and generate the user's empty slots into `fill` (`fill_writes` writes it, also what
    was generated before a later post of the user's failed)."""
    slots_of = fill.slots_of
    # Per brand and type, once in a run: its pools, their laws, the posterior version and
    # Thompson sampling's spread (sharper for a noisy stream, `stream_noise`), which every
    # choice is drawn at and its decision record holds.
    prepared_of: dict[tuple[str, str], tuple[dict, dict, PosteriorVersion, float]] = {}
    pending = fill.pending
    for brand in brands.get(settings.user_id, []):
        slots = slots_of[brand.name] = user_slots[brand.id]
        dna = None
        for slot in slots:
            if slot in taken:
                continue
            if dna is None:  # checked once the brand has a slot to fill (a steady tick has none)
                dna = validate_content_dna(brand.name, brand.dna)
            # A slot whose post its owner rejected is drawn afresh (and replays: the
            # decision record keeps the seed used).
            slot_seed = seed + REJECTION_SEED_STEP * plan.rejected.get(slot, 0)
            rng = slot_rng(slot_seed, slot)
            key = (brand.id, slot.content_type)
            # The experiments flag off: every slot is Thompson sampling, no forced turns.
            experiment_turns = (
                turns(running.get(key, []), planned) if settings.allows("experiments") else []
            )
            if key not in prepared_of:
                if key in plan.unreadable:
                    raise ValueError(f"{brand.name} {slot.content_type}s: {plan.unreadable[key]}")
                # The owner's pins and bans restrict the choice (not the learning); the
                # posterior version records the restricted pools, so the choice replays.
                pools = restricted_pools(
                    option_pools(
                        slot.content_type,
                        dna.topic_buckets,
                        overrides.get(brand.id, {}).get(slot.content_type),
                    ),
                    plan.rules.get(key),
                )
                prepared_of[key] = (
                    pools,
                    prepare_laws(pools, posteriors.get(key, {})),
                    posterior_version(pools, posteriors.get(key, {}), resting.get(key)),
                    selection.spread_for(plan.noise_sd.get(key)),
                )
            pools, prepared, version, width = prepared_of[key]
            ratio = drift_ratios.get(key, settings.explore_ratio)
            choice = choose_strategy(
                pools,
                posteriors.get(key, {}),
                rng,
                explore_ratio=ratio,
                experiments=experiment_turns,
                resting=resting.get(key),
                prepared=prepared,
                width=width,
            )
            request = GenerationRequest(
                brand_name=brand.name,
                content_type=slot.content_type,
                dna=dna,
                user_id=settings.user_id,
                brand_id=brand.id,
                slot_at=slot.at,
                requested_at=now,
                avoid_titles=frozenset(
                    titles.setdefault(brand.id, set()) | plan.rejected_titles.get(brand.id, set())
                ),
                **choice.options,
            )
            post = generate(request, f"{slot.brand_id}|{slot.content_type}|{slot.at.isoformat()}")
            pending.append(
                NewPost(
                    slot=slot,
                    user_id=settings.user_id,
                    platform=brand.platform or "instagram",
                    title=post.title,
                    caption=post.caption,
                    content_lines=post.content_lines,
                    choice=choice,
                    generator=post.source,
                    posterior_version=version,
                    decision=decision_record(experiment_turns, ratio, slot_seed, width),
                    review=plan.review_modes.get(brand.id, "off") != "off",
                )
            )
            titles[brand.id].add(post.title)
            for experiment in running.get(key, []):  # this post counts at once
                if experiment.status == "active":
                    counts = planned.setdefault(experiment.key, {})
                    option = choice.options[experiment.dimension]
                    counts[option] = counts.get(option, 0) + 1
