"""Learning: decay, 48h->7d replacement, user isolation, experiments, propensities, drift."""

import datetime as dt
import itertools

import numpy as np
import pytest

from toby_pipelines.strategy.change_detection import detect_changes
from toby_pipelines.strategy.decay import decay, decay_factor
from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.experiments import Experiment, advance
from toby_pipelines.strategy.normal_gamma import DEFAULT_PRIOR, Evidence, NormalGamma, update
from toby_pipelines.strategy.posteriors import BrandProfile, learn_user
from toby_pipelines.strategy.selection import ExperimentTurn, choose_strategy
from toby_pipelines.strategy.topic_rotation import resting_topics

DAY = dt.date(2026, 3, 1)
POOLS = {"reel": {"personality": ("story", "data"), "topic_bucket": ("sleep", "gut")}}


def post(pid, score, phase="7d", day=DAY, brand="b1", **options):
    opts = {"personality": "story", "topic_bucket": "sleep", **options}
    return ScoredPost(pid, brand, "reel", phase, score, opts, day)


def posterior_of(learning, dimension, option, brand="b1"):
    return next(
        p.posterior
        for p in learning.posteriors
        if (p.brand_id, p.dimension, p.option) == (brand, dimension, option)
    )


def test_daily_decay_of_running_totals_equals_weighting_each_score_by_its_age():
    scores = {0: [61.0, 70.0], 3: [44.0], 4: [90.0, 52.0], 9: [66.0]}
    running = Evidence()
    for day in range(10):
        running = decay(running, 1) if day else running
        for score in scores.get(day, []):
            running = running.add(score)
    direct = Evidence()
    for day, values in scores.items():
        for score in values:
            direct = direct.add(score, decay_factor(9 - day))
    assert (running.weight, running.weighted_sum, running.weighted_sum_sq) == pytest.approx(
        (direct.weight, direct.weighted_sum, direct.weighted_sum_sq)
    )


def test_decayed_evidence_relaxes_to_the_prior_which_never_decays():
    evidence = Evidence().add(90).add(85).add(95)
    old = update(DEFAULT_PRIOR, decay(evidence, 3650))
    assert old.mu == pytest.approx(DEFAULT_PRIOR.mu, abs=0.01)
    assert old.kappa == pytest.approx(DEFAULT_PRIOR.kappa, abs=1e-6)


def test_seven_day_score_replaces_the_48h_score_instead_of_adding_to_it():
    profiles = [BrandProfile("b1", POOLS)]
    early = learn_user(profiles, [post("p1", 80.0, "48h")], DAY, summaries=False)
    both = learn_user(
        profiles, [post("p1", 80.0, "48h"), post("p1", 40.0, "7d")], DAY, summaries=False
    )
    assert posterior_of(early, "personality", "story") == update(
        DEFAULT_PRIOR, Evidence().add(80.0, 0.5)
    )
    assert posterior_of(both, "personality", "story") == update(DEFAULT_PRIOR, Evidence().add(40.0))


def test_a_user_never_learns_from_another_users_brands():
    mine = [BrandProfile("b1", POOLS), BrandProfile("b2", POOLS)]
    with pytest.raises(ValueError, match="outside this user's brands"):
        learn_user(mine, [post("x", 90.0, brand="someone-elses")], DAY, summaries=False)
    # Within one user a brand borrows from its sibling...
    sibling = [post(f"s{i}", 90.0, brand="b2") for i in range(3)]
    borrowed = learn_user(mine, sibling, DAY, summaries=False)
    assert posterior_of(borrowed, "personality", "story", "b1").mu > DEFAULT_PRIOR.mu
    # ...but the same scores in another user's run leave this user's posteriors unchanged.
    alone = learn_user([BrandProfile("b1", POOLS)], [], DAY, summaries=False)
    assert posterior_of(alone, "personality", "story") == DEFAULT_PRIOR


def test_propensity_is_the_probability_of_the_chosen_combination():
    pools = {"personality": ("story", "data", "edu"), "topic_bucket": ("sleep", "gut")}
    posteriors = {
        "personality": {"story": NormalGamma(60, 3, 3, 600), "data": NormalGamma(55, 3, 3, 600)},
        "topic_bucket": {"sleep": NormalGamma(52, 2, 3, 600)},
    }
    turn = ExperimentTurn("personality", {"story": 6, "data": 6, "edu": 1}, 5)
    counts: dict = {}
    propensities: dict = {}
    for seed in range(6000):
        choice = choose_strategy(
            pools, posteriors, np.random.default_rng(seed), explore_ratio=0.3, experiments=[turn]
        )
        key = tuple(choice.options.values())
        counts[key] = counts.get(key, 0) + 1
        propensities.setdefault(key, []).append(choice.propensity)
    combos = list(itertools.product(*pools.values()))
    for key in combos:
        expected = float(np.mean(propensities.get(key, [0.0])))
        assert counts.get(key, 0) / 6000 == pytest.approx(expected, abs=0.02)


def test_experiment_completes_when_sampled_and_one_option_is_clearly_best():
    experiment = Experiment("b1", "reel", "personality", ("story", "data"), DAY)
    posts = [post(f"s{i}", 80.0) for i in range(5)] + [
        post(f"d{i}", 40.0, personality="data") for i in range(5)
    ]
    posteriors = {
        "story": update(DEFAULT_PRIOR, Evidence(5, 400, 32000, 5)),
        "data": update(DEFAULT_PRIOR, Evidence(5, 200, 8000, 5)),
    }
    done = advance(
        experiment,
        brand_id="b1",
        content_type="reel",
        dimension="personality",
        options=("story", "data"),
        day=DAY,
        posts=posts,
        posteriors=posteriors,
    )
    assert (done.status, done.winner) == ("completed", "story")
    short = advance(
        experiment,
        brand_id="b1",
        content_type="reel",
        dimension="personality",
        options=("story", "data"),
        day=DAY,
        posts=posts[:9],
        posteriors=posteriors,
    )
    assert short.status == "active" and short.results["data"].count == 4


def test_change_detector_finds_a_drop_and_not_noise():
    rng = np.random.default_rng(3)
    steady = [post(f"p{i}", float(60 + rng.normal(0, 8)), day=DAY) for i in range(120)]
    assert detect_changes(steady) == []
    later = DAY + dt.timedelta(days=10)
    dropped = steady + [post(f"q{i}", float(40 + rng.normal(0, 8)), day=later) for i in range(30)]
    changes = detect_changes(dropped)
    assert len(changes) == 1
    # Dated where the CUSUM last left zero: at or before the drop, detected after it.
    assert changes[0].changed_on <= later == changes[0].detected_on
    assert changes[0].shift < -10 and not changes[0].is_rise


def test_topic_rests_after_three_clear_misses_and_returns_after_a_good_post():
    base = [post(f"p{i}", 60.0 + (i % 3), topic_bucket="gut") for i in range(20)]
    misses = [post(f"m{i}", 30.0, topic_bucket="sleep") for i in range(3)]
    assert [t.topic for t in resting_topics(base + misses, DAY)] == ["sleep"]
    back = base + misses + [post("ok", 65.0, topic_bucket="sleep")]
    assert resting_topics(back, DAY) == []
    assert resting_topics(base + misses, DAY + dt.timedelta(days=14)) == []


def test_a_topic_trending_outside_restarts_a_completed_topic_experiment():
    from toby_pipelines.loop.learn import _retest_now

    done = Experiment(
        "b1", "reel", "topic_bucket", ("sleep", "gut"), DAY,
        status="completed", winner="gut", completed_on=DAY,
    )  # fmt: skip
    later = DAY + dt.timedelta(days=10)
    common = dict(brand_id="b1", content_type="reel", dimension="topic_bucket",
                  options=("sleep", "gut"), day=later, posts=[], posteriors={})  # fmt: skip
    assert advance(done, **common) is done  # the 30-day retest is not due yet
    restarted = advance(done, **common, retest_now=True)
    assert (restarted.status, restarted.started_on) == ("active", later)
    assert _retest_now(done, "topic_bucket", {"sleep"}, later)
    assert not _retest_now(done, "topic_bucket", {"gut"}, later)  # the winner is what trends
    assert not _retest_now(done, "topic_bucket", {"sleep"}, DAY + dt.timedelta(days=3))
    assert not _retest_now(done, "hook_strategy", {"sleep"}, later)


def test_early_scores_that_under_read_raise_no_audience_change_and_rest_no_topic():
    """A slow-burning brand: its 48h scores read 12 points below what its posts finally score.
    The last week's posts have only their 48h score yet; judged on them, the audience would seem
    to have dropped. Change detection and topic rotation read final (7d) scores only."""
    rng = np.random.default_rng(5)
    topics = ("sleep", "gut")
    history = [
        post(f"p{i}", float(60 + rng.normal(0, 6)), "7d", DAY + dt.timedelta(days=i // 2),
             topic_bucket=topics[i % 2])
        for i in range(120)
    ]  # fmt: skip
    last_week = [
        post(f"q{i}", float(48 + rng.normal(0, 6)), "48h", DAY + dt.timedelta(days=60 + i // 2),
             topic_bucket=topics[i % 2])
        for i in range(14)
    ]  # fmt: skip
    today = DAY + dt.timedelta(days=67)
    learning = learn_user([BrandProfile("b1", POOLS)], history + last_week, today, summaries=False)
    assert learning.changes == []
    assert learning.resting == []
    # The early scores still count as evidence (at half weight) in the posteriors themselves.
    assert sum(p.sample_count for p in learning.posteriors if p.dimension == "personality") == 134
