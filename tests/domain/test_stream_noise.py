"""A stream's noise read from its additive fit's residuals, free of the priors (issue 12: the
held-out misses are the noisiest worlds), and what a noisy stream does differently: a sharper
spread, no follow-ups, no scheduled retests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from toby_pipelines.benchmark.tunables import overridden
from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.experiments import RETEST_AFTER_DAYS, Experiment, advance
from toby_pipelines.strategy.normal_gamma import NormalGamma
from toby_pipelines.strategy.posteriors import BrandProfile, learn_user
from toby_pipelines.strategy.selection import NOISY_WIDTH, POSTERIOR_WIDTH, spread_for
from toby_pipelines.strategy.stream_noise import NOISY_STREAM_SD, is_noisy

DAY = dt.date(2026, 5, 1)
POOLS = {
    "personality": ("story", "data", "edu", "wit"),
    "topic_bucket": ("sleep", "food", "money", "work"),
    "hook_strategy": ("question", "myth", "number"),
}


def _stream(noise_sd: float, posts: int, seed: int = 0, brand: str = "b1") -> list[ScoredPost]:
    """Posts of an additive world (each option's effect up to ±10 points) with Normal noise,
    `posts` over the 90 days before DAY, options chosen at random."""
    rng = np.random.default_rng(seed)
    effects = {d: dict(zip(o, rng.uniform(-10, 10, len(o)), strict=True)) for d, o in POOLS.items()}
    stream = []
    for i in range(posts):
        options = {d: str(rng.choice(o)) for d, o in POOLS.items()}
        mean = 50 + sum(effects[d][options[d]] for d in POOLS)
        day = DAY - dt.timedelta(days=89 - i * 89 // max(posts - 1, 1))
        score = float(mean + rng.normal(0, noise_sd))
        stream.append(ScoredPost(f"{brand}-{i}", brand, "reel", "7d", score, options, day))
    return stream


def _learned(*streams: list[ScoredPost]):
    brands = sorted({stream[0].brand_id for stream in streams})
    return learn_user(
        [BrandProfile(b, {"reel": POOLS}) for b in brands],
        [post for stream in streams for post in stream],
        DAY,
        summaries=False,
    )


@pytest.mark.parametrize("noise_sd", [6.0, 24.0])
def test_the_residual_spread_reads_the_worlds_noise_not_its_effects(noise_sd):
    for seed in range(5):
        learning = _learned(_stream(noise_sd, 400, seed))
        found = learning.noise_sd[("b1", "reel")]
        assert found == pytest.approx(noise_sd, rel=0.12), seed
    # The raw scores scatter by the effects too: far more than the noise at 6 points.
    raw = np.std([p.score for p in _stream(6.0, 400)])
    assert raw > 1.3 * 6.0


def test_every_option_of_the_stream_carries_its_noise():
    learning = _learned(_stream(24.0, 400), _stream(6.0, 400, seed=1, brand="b2"))
    by_brand = {}
    for item in learning.posteriors:
        by_brand.setdefault(item.brand_id, set()).add(item.stream_noise_sd)
    assert by_brand["b1"] == {learning.noise_sd[("b1", "reel")]}
    assert by_brand["b2"] == {learning.noise_sd[("b2", "reel")]}
    assert learning.is_noisy("b1", "reel") and not learning.is_noisy("b2", "reel")


def test_a_stream_too_short_to_tell_has_no_noise():
    """11 options: 44 posts at least (4 per option), and 30 in any case."""
    assert _learned(_stream(24.0, 43)).noise_sd[("b1", "reel")] is None
    assert _learned(_stream(24.0, 44)).noise_sd[("b1", "reel")] is not None
    assert not _learned(_stream(24.0, 43)).is_noisy("b1", "reel")


def test_a_noisy_stream_is_drawn_at_the_sharper_spread():
    assert spread_for(None) == POSTERIOR_WIDTH
    assert spread_for(NOISY_STREAM_SD) == POSTERIOR_WIDTH
    assert spread_for(NOISY_STREAM_SD + 0.1) == NOISY_WIDTH < POSTERIOR_WIDTH
    with overridden({"noisy_stream_sd": 0}):  # 0: no stream is noisy
        assert not is_noisy(100.0) and spread_for(100.0) == POSTERIOR_WIDTH
    with overridden({"noisy_width": 0.3}):
        assert spread_for(30.0) == 0.3


OPTIONS = ("story", "data", "edu")
POSTERIORS = {
    "story": NormalGamma(60.0, 20.0, 11.0, 10 * 144.0),
    "data": NormalGamma(40.0, 5.0, 3.5, 2.5 * 144.0),
    "edu": NormalGamma(50.0, 5.0, 3.5, 2.5 * 144.0),
}


def _advance(experiment, day, scores=None, noisy=False, retest_now=False, posteriors=POSTERIORS):
    posts = [
        ScoredPost(f"{o}-{i}", "b1", "reel", "7d", s, {"personality": o}, DAY + dt.timedelta(i + 1))
        for o, values in (scores or {}).items()
        for i, s in enumerate(values)
    ]
    posts.sort(key=lambda post: post.published_on)
    return advance(
        experiment, brand_id="b1", content_type="reel", dimension="personality",
        options=OPTIONS, day=day, posts=posts, posteriors=posteriors, noisy=noisy,
        retest_now=retest_now,
    )  # fmt: skip


def test_a_noisy_streams_experiment_asks_no_follow_ups():
    retest = Experiment("b1", "reel", "personality", OPTIONS, DAY, min_samples=1)
    surprise = {"story": [61.0], "data": [78.0], "edu": [52.0]}  # "data" far above its 40
    later = DAY + dt.timedelta(days=20)
    assert _advance(retest, later, surprise).results["data"].follow_up > 0
    assert _advance(retest, later, surprise, noisy=True).results["data"].follow_up == 0
    with overridden({"noisy_experiments": 0}):
        assert _advance(retest, later, surprise, noisy=True).results["data"].follow_up > 0


def test_a_noisy_streams_experiment_is_not_retested_on_a_schedule():
    done = Experiment(
        "b1", "reel", "personality", OPTIONS, DAY, status="completed", winner="story",
        completed_on=DAY,
    )  # fmt: skip
    due = DAY + dt.timedelta(days=RETEST_AFTER_DAYS)
    assert _advance(done, due).status == "active"  # a quiet stream's retest
    assert _advance(done, due, noisy=True) is done
    # A trend outside still restarts it.
    assert _advance(done, due, noisy=True, retest_now=True).status == "active"
    # Sampled a month without a winner: a quiet stream's is retested, a noisy one's runs on.
    sampled = Experiment("b1", "reel", "personality", OPTIONS, DAY, min_samples=1)
    even = {"story": [50.0], "data": [50.0], "edu": [50.0]}
    unsure = dict.fromkeys(OPTIONS, NormalGamma(50.0, 5.0, 3.5, 2.5 * 144.0))
    assert _advance(sampled, due, even, posteriors=unsure).started_on == due
    kept = _advance(sampled, due, even, noisy=True, posteriors=unsure)
    assert kept.started_on == DAY and kept.status == "active"
