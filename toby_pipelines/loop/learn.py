"""Strategy posteriors as of a day, per user, brand, content type, dimension and option."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np

from toby_pipelines.loop.days import days_back
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.brands import list_brands
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.posteriors import replace_posteriors
from toby_pipelines.storage.scores import scored_posts_between
from toby_pipelines.strategy.dimensions import CONTENT_TYPES
from toby_pipelines.strategy.posteriors import (
    BrandProfile,
    OptionPosterior,
    leaders,
    user_posteriors,
)

# Posteriors learn from the scores of the last 90 days: old enough evidence stops steering.
LEARNING_HORIZON_DAYS = 90


@dataclass(frozen=True)
class PosteriorSummary:
    day: dt.date
    posteriors: list[tuple[str, OptionPosterior]]
    leader_changes: list[str]
    brand_names: dict[str, str]


def _rng(day: dt.date, user_id: str) -> np.random.Generator:
    # Seeded by day and user so that re-materializing a day gives the same probabilities.
    digest = hashlib.sha256(f"{day}|{user_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def compute_posteriors(database: Database, day: dt.date, now: dt.datetime) -> PosteriorSummary:
    with database.engine.connect() as connection:
        brands = list_brands(connection)
        scored = scored_posts_between(connection, days_back(day, LEARNING_HORIZON_DAYS - 1), day)
    names = {brand.id: brand.name for brand in brands}
    users = sorted({brand.user_id for brand in brands})
    results: list[tuple[str, OptionPosterior]] = []
    changes: list[tuple[str, tuple[str, str, str], str]] = []
    for user_id in users:
        profiles = [BrandProfile(b.id, b.topic_buckets) for b in brands if b.user_id == user_id]
        mine = [(d, post) for owner, d, post in scored if owner == user_id]
        today = user_posteriors(profiles, CONTENT_TYPES, [p for _, p in mine], _rng(day, user_id))
        results.extend((user_id, item) for item in today)
        if not mine:
            continue
        yesterday = user_posteriors(
            profiles,
            CONTENT_TYPES,
            [p for d, p in mine if d < day],
            _rng(day, user_id),
            summarize=False,
        )
        before, after = leaders(yesterday), leaders(today)
        for key, option in sorted(after.items()):
            if before.get(key) != option and any(
                item.brand_id == key[0]
                and item.content_type == key[1]
                and item.dimension == key[2]
                and item.sample_count > 0
                for item in today
            ):
                brand_id, content_type, dimension = key
                changes.append(
                    (
                        user_id,
                        key,
                        f"{names[brand_id]} {content_type}s: {dimension} leader is now {option}"
                        f" (was {before.get(key)})",
                    )
                )
    with database.transaction() as connection:
        replace_posteriors(connection, day, users, results)
        for user_id, (brand_id, content_type, dimension), text in changes:
            log_activity(
                connection,
                user_id=user_id,
                action_type="leader_changed",
                description=f"Posterior leader changed: {text}",
                dedupe_key=f"leader:{day}:{brand_id}:{content_type}:{dimension}",
                now=now,
            )
    return PosteriorSummary(day, results, [text for _, _, text in changes], names)
