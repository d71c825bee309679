"""Rises: an option Toby stopped choosing becomes the audience's favourite, and Toby notices."""

import datetime as dt

import numpy as np

from toby_pipelines.strategy.change_detection import detect_changes
from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.experiments import RETEST_MIN_SAMPLES, Experiment, advance
from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR
from toby_pipelines.strategy.posteriors import BrandProfile, learn_user

DAY = dt.date(2026, 3, 1)
DIMENSIONS = 5
OPTIONS = 5
RISE_AT = 120  # post number


def season(seed: int, rise: bool) -> tuple[list[ScoredPost], str]:
    """540 posts of 5 dimensions x 5 options: 40 exploring posts, then mostly each dimension's
    best. With `rise`, from post 120 on the first dimension's worst option scores 5 points above
    its best, and gets a tenth of the posts (what retests and Thompson draws give it)."""
    rng = np.random.default_rng(seed)
    effects = rng.normal(0, 5, (DIMENSIONS, OPTIONS))
    worst = int(np.argmin(effects[0]))
    risen = effects.copy()
    risen[0, worst] = effects[0].max() + 5
    posts = []
    for i in range(540):
        chosen = [
            int(rng.integers(OPTIONS))
            if i < 40
            else int(np.argmax(row + rng.normal(0, 4, OPTIONS)))
            for row in effects
        ]
        if rise and i >= RISE_AT and rng.random() < 0.1:
            chosen[0] = worst
        table = risen if rise and i >= RISE_AT else effects
        score = 50 + sum(table[d, o] for d, o in enumerate(chosen)) + rng.normal(0, 12)
        posts.append(
            ScoredPost(
                f"p{i}", "b1", "reel", "7d", float(score),
                {f"d{d}": f"o{o}" for d, o in enumerate(chosen)},
                DAY + dt.timedelta(days=i // 6),
            )
        )  # fmt: skip
    return posts, f"o{worst}"


def test_an_abandoned_options_rise_is_found_and_dated_after_it_began():
    found = 0
    for seed in range(20):
        posts, worst = season(seed, rise=True)
        rises = [
            c
            for c in detect_changes(posts)
            if c.is_rise and (c.dimension, c.option) == ("d0", worst)
        ]
        if rises:
            found += 1
            assert rises[0].detected_on >= posts[RISE_AT].published_on
            assert rises[0].shift > 5
    assert found >= 15


def test_a_stable_audience_raises_few_rises():
    rises = sum(
        change.is_rise for seed in range(20) for change in detect_changes(season(seed, False)[0])
    )
    assert rises <= 12  # 20 seasons of 540 posts: at most about one false rise per two


def test_after_a_rise_the_options_posterior_follows_its_new_scores():
    posts, worst = season(1, rise=True)
    pools = {"reel": {f"d{d}": tuple(f"o{o}" for o in range(OPTIONS)) for d in range(DIMENSIONS)}}
    learning = learn_user([BrandProfile("b1", pools)], posts, posts[-1].published_on)
    assert any(c.is_rise and c.option == worst for c in learning.changes)
    means = {p.option: p.posterior.mu for p in learning.posteriors if p.dimension == "d0"}
    assert max(means, key=means.get) == worst


def test_an_experiment_without_a_winner_after_a_month_is_retested():
    options = ("a", "b")
    started = Experiment("b1", "reel", "hook_strategy", options, DAY)
    # Both options sampled, neither clearly best: no winner.
    posts = [
        ScoredPost(f"p{i}", "b1", "reel", "7d", 50.0 + (i % 3), {"hook_strategy": options[i % 2]}, DAY)
        for i in range(12)
    ]  # fmt: skip
    common = dict(
        brand_id="b1", content_type="reel", dimension="hook_strategy", options=options,
        posts=posts, posteriors={o: DEFAULT_PRIOR for o in options},
    )  # fmt: skip
    assert advance(started, day=DAY + dt.timedelta(days=29), **common).started_on == DAY
    retest = advance(started, day=DAY + dt.timedelta(days=30), **common)
    assert (retest.status, retest.started_on) == ("active", DAY + dt.timedelta(days=30))
    assert retest.min_samples == RETEST_MIN_SAMPLES
