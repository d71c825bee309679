"""A post its owner deleted teaches: strong negative evidence for its options, fading with time
since the deletion, and counted in the posteriors (issue 12; seed 002's deletion penalty)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from toby_pipelines.strategy.deletions import DELETION_PENALTY, DeletedPost, deletion_penalty
from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.posteriors import BrandProfile, learn_user

DAY = dt.date(2026, 3, 1)
POOLS = {"reel": {"personality": ("story", "data"), "topic_bucket": ("sleep", "gut")}}
BRANDS = [BrandProfile("b1", POOLS)]


def history():
    rng = np.random.default_rng(3)
    return [
        ScoredPost(
            f"p{i}",
            "b1",
            "reel",
            "7d",
            float(55 + rng.normal(0, 5)),
            {"personality": ("story", "data")[i % 2], "topic_bucket": ("sleep", "gut")[i // 2 % 2]},
            DAY + dt.timedelta(days=i // 3),
        )
        for i in range(40)
    ]


def gone(post: ScoredPost, deleted_on: dt.date) -> DeletedPost:
    return DeletedPost(
        post.post_id, post.brand_id, post.content_type, post.options, post.published_on, deleted_on
    )


def mean_of(learning, dimension, option):
    [found] = [p for p in learning.posteriors if (p.dimension, p.option) == (dimension, option)]
    return found


def test_a_deleted_post_pulls_its_options_down_and_is_counted():
    posts = history()
    today = DAY + dt.timedelta(days=20)
    target = posts[-2]  # story, gut
    plain = learn_user(BRANDS, posts, today, summaries=False)
    taught = learn_user(BRANDS, posts, today, summaries=False, deleted=[gone(target, today)])
    for dimension, option in target.options.items():
        before, after = mean_of(plain, dimension, option), mean_of(taught, dimension, option)
        assert after.posterior.mu < before.posterior.mu - 1.0
        assert (before.deleted_posts, after.deleted_posts) == (0, 1)
    # An option the deleted post did not use moves only through the additive fit's other
    # dimensions, far less.
    moved = abs(
        mean_of(taught, "personality", "data").posterior.mu
        - mean_of(plain, "personality", "data").posterior.mu
    )
    story = mean_of(plain, "personality", "story").posterior.mu
    assert moved < (story - mean_of(taught, "personality", "story").posterior.mu) / 5


def test_a_post_deleted_before_it_was_measured_still_counts():
    posts = history()
    today = DAY + dt.timedelta(days=20)
    unmeasured = DeletedPost(
        "new", "b1", "reel", {"personality": "data", "topic_bucket": "sleep"}, today, today
    )
    plain = learn_user(BRANDS, posts, today, summaries=False)
    taught = learn_user(BRANDS, posts, today, summaries=False, deleted=[unmeasured])
    assert (
        mean_of(taught, "personality", "data").posterior.mu
        < mean_of(plain, "personality", "data").posterior.mu - 0.5
    )
    assert mean_of(taught, "personality", "data").sample_count == (
        mean_of(plain, "personality", "data").sample_count + 1
    )


def test_the_penalty_fades_with_time_since_the_deletion():
    assert deletion_penalty(DAY, DAY) == DELETION_PENALTY
    assert deletion_penalty(DAY, DAY + dt.timedelta(days=14)) == pytest.approx(
        DELETION_PENALTY / np.e
    )
    posts = history()
    target = posts[-2]
    deleted_on = DAY + dt.timedelta(days=14)
    soon = learn_user(
        BRANDS, posts, deleted_on + dt.timedelta(days=1), summaries=False,
        deleted=[gone(target, deleted_on)],
    )  # fmt: skip
    late = learn_user(
        BRANDS, posts, deleted_on + dt.timedelta(days=60), summaries=False,
        deleted=[gone(target, deleted_on)],
    )  # fmt: skip
    plain_late = learn_user(BRANDS, posts, deleted_on + dt.timedelta(days=60), summaries=False)
    soon_plain = learn_user(BRANDS, posts, deleted_on + dt.timedelta(days=1), summaries=False)
    drop_soon = (
        mean_of(soon_plain, "personality", "story").posterior.mu
        - mean_of(soon, "personality", "story").posterior.mu
    )
    drop_late = (
        mean_of(plain_late, "personality", "story").posterior.mu
        - mean_of(late, "personality", "story").posterior.mu
    )
    assert drop_soon > 1.0 and 0 <= drop_late < drop_soon / 10


def test_a_deletion_later_than_the_day_learned_is_not_known_yet():
    posts = history()
    today = DAY + dt.timedelta(days=20)
    plain = learn_user(BRANDS, posts, today, summaries=False)
    future = learn_user(
        BRANDS, posts, today, summaries=False,
        deleted=[gone(posts[-2], today + dt.timedelta(days=1))],
    )  # fmt: skip
    assert future.posteriors == plain.posteriors


def test_another_users_deleted_post_is_refused():
    other = DeletedPost("x", "someone-else", "reel", {"personality": "story"}, DAY, DAY)
    with pytest.raises(ValueError, match="outside this user's brands"):
        learn_user(BRANDS, history(), DAY + dt.timedelta(days=20), deleted=[other])
