"""The Toby score follows the product's intent (the seed's comments), point by point.

The seed's code disagrees with its comments; these anchors are what the product promised, so
every one is checked, plus clipping, monotonicity, the weights and the neutral fallbacks.
"""

import pytest

from toby_pipelines.scoring.toby_score import (
    compute_toby_score,
    engagement_rate,
    engagement_score,
    follower_context_score,
    followers_per_1k_views,
    raw_views_score,
    relative_views_score,
)


@pytest.mark.parametrize(
    ("views", "expected"),
    [(1_000, 20), (10_000, 50), (50_000, 75), (100_000, 90), (500_000, 100)],
)
def test_raw_views_anchors(views, expected):
    assert raw_views_score(views) == pytest.approx(expected)


@pytest.mark.parametrize(("ratio", "expected"), [(0.5, 25), (1, 50), (2, 75), (4, 100)])
def test_relative_views_anchors(ratio, expected):
    assert relative_views_score(int(ratio * 8_000), 8_000) == pytest.approx(expected)


@pytest.mark.parametrize(("ratio", "expected"), [(0.1, 30), (1, 60), (5, 85), (10, 100)])
def test_follower_context_anchors(ratio, expected):
    assert follower_context_score(int(ratio * 20_000), 20_000) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("function", "low", "high"),
    [
        (raw_views_score, [0, 1, 100], [2_000_000, 10**9]),
        (lambda v: relative_views_score(v, 1000), [0, 10, 100], [8_000, 100_000]),
        (lambda v: follower_context_score(v, 1000), [0, 1, 10], [20_000, 10**7]),
    ],
)
def test_components_clip_to_0_100(function, low, high):
    assert all(function(v) >= 0 for v in low)
    assert function(0) == 0
    assert all(function(v) == 100 for v in high)


def test_curves_never_decrease():
    views = [int(10 ** (k / 20)) for k in range(0, 160)]
    for function in (
        raw_views_score,
        lambda v: relative_views_score(v, 5_000),
        lambda v: follower_context_score(v, 5_000),
    ):
        values = [function(v) for v in views]
        assert values == sorted(values)


def test_between_anchors_is_linear_in_log_space():
    # sqrt(1k * 10k) sits halfway between the 1k and 10k anchors in log space.
    assert raw_views_score(int((1_000 * 10_000) ** 0.5)) == pytest.approx(35, abs=0.01)


def test_neutral_without_baseline_or_followers():
    assert relative_views_score(12_345, None) == 50
    assert relative_views_score(12_345, 0) == 50
    assert follower_context_score(12_345, 0) == 50


def test_engagement_as_written_in_the_seed():
    assert engagement_score(10_000, saves=10, shares=10) == pytest.approx(50)
    assert engagement_score(1_000, saves=100, shares=100) == 100
    assert engagement_score(0, saves=0, shares=0) == 0


def test_weights_30_35_25_10():
    score = compute_toby_score(
        views=10_000, saves=10, shares=10, brand_avg_views=5_000, followers=10_000
    )
    expected = 0.30 * 50 + 0.35 * 75 + 0.25 * 50 + 0.10 * 60
    assert score.toby_score == pytest.approx(round(expected, 1))
    assert (score.raw_views_score, score.relative_views_score) == pytest.approx((50, 75))


def test_f1k_and_engagement_rate():
    assert followers_per_1k_views(follows=12, views=4_000) == pytest.approx(3.0)
    assert followers_per_1k_views(follows=5, views=0) == 0
    assert engagement_rate(likes=80, comments=5, saves=10, shares=5, reach=1_000) == pytest.approx(
        0.1
    )
    assert engagement_rate(likes=1, comments=0, saves=0, shares=0, reach=0) == 0
