"""Backfitting takes the other dimensions' part out of each score.

Without it, an option that happened to be posted with a strong topic is credited with the
topic's luck; with a sharpened Thompson sampler that bias decides which option wins. These
tests plant known additive effects and check that each dimension's evidence is the score minus
the other dimensions' effects, not the raw score.
"""

import datetime as dt

import numpy as np
import pytest

from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.other_dimensions import adjusted_scores

DAY = dt.date(2026, 3, 1)
EFFECTS = {
    "personality": {"story": 8.0, "data": -8.0},
    "topic_bucket": {"sleep": 6.0, "gut": 0.0, "stress": -6.0},
}


def planted_posts(count: int, noise: float, seed: int = 0) -> list[ScoredPost]:
    rng = np.random.default_rng(seed)
    posts = []
    for i in range(count):
        options = {dim: str(rng.choice(list(effects))) for dim, effects in EFFECTS.items()}
        score = 50 + sum(EFFECTS[d][o] for d, o in options.items()) + rng.normal(0, noise)
        posts.append(ScoredPost(f"p{i}", "b1", "reel", "7d", float(score), options, DAY))
    return posts


def test_noise_free_scores_are_adjusted_to_their_own_dimension_only():
    posts = planted_posts(600, noise=0.0)
    adjusted = adjusted_scores(posts, lambda post: 1.0)
    story = [
        adjusted[p.post_id]["personality"] for p in posts if p.options["personality"] == "story"
    ]
    data = [adjusted[p.post_id]["personality"] for p in posts if p.options["personality"] == "data"]
    # The raw gap between the two personalities is 16 points on average, plus whatever the
    # topics they met add; the adjusted scores hold the personality's gap alone.
    assert np.mean(story) - np.mean(data) == pytest.approx(16.0, abs=0.5)
    # With the other dimension taken out, every "story" post tells the same story.
    assert np.std(story) < 1.0


def test_a_dimension_is_not_credited_with_the_topic_it_was_posted_with():
    # "story" is only ever posted about the best topic, "data" about the worst: raw averages
    # would put story 28 points ahead; its own effect is 16.
    posts = (
        [
            ScoredPost(
                f"s{i}",
                "b1",
                "reel",
                "7d",
                50 + 8 + 6,
                {"personality": "story", "topic_bucket": "sleep"},
                DAY,
            )
            for i in range(20)
        ]
        + [
            ScoredPost(
                f"d{i}",
                "b1",
                "reel",
                "7d",
                50 - 8 - 6,
                {"personality": "data", "topic_bucket": "stress"},
                DAY,
            )
            for i in range(20)
        ]
        + [
            ScoredPost(
                f"x{i}",
                "b1",
                "reel",
                "7d",
                50 + 8 - 6,
                {"personality": "story", "topic_bucket": "stress"},
                DAY,
            )
            for i in range(20)
        ]
    )
    adjusted = adjusted_scores(posts, lambda post: 1.0)
    story = np.mean([adjusted[p.post_id]["personality"] for p in posts if p.post_id[0] in "sx"])
    data = np.mean([adjusted[p.post_id]["personality"] for p in posts if p.post_id[0] == "d"])
    raw_gap = np.mean([p.score for p in posts if p.post_id[0] in "sx"]) - 36.0
    assert story - data < raw_gap - 4


def test_a_post_without_a_dimension_keeps_its_other_adjustments():
    posts = planted_posts(60, noise=2.0)
    bare = ScoredPost("bare", "b1", "reel", "7d", 61.0, {"personality": "story"}, DAY)
    adjusted = adjusted_scores([*posts, bare], lambda post: 1.0)
    assert set(adjusted["bare"]) == {"personality"}
    assert adjusted["bare"]["personality"] == pytest.approx(61.0)


def test_zero_total_weight_leaves_scores_as_they_are():
    posts = planted_posts(5, noise=1.0)
    adjusted = adjusted_scores(posts, lambda post: 0.0)
    assert all(adjusted[p.post_id] == dict.fromkeys(p.options, p.score) for p in posts)


def _ridge_solution(posts, weights):
    """The fit backfitting converges to, solved directly: weighted least squares of the centred
    scores on one indicator per option, each effect penalized by SHRINKAGE pseudo-posts."""
    from toby_pipelines.strategy.other_dimensions import SHRINKAGE

    columns = sorted({(d, o) for p in posts for d, o in p.options.items()})
    x = np.array([[float(p.options.get(d) == o) for d, o in columns] for p in posts])
    y = np.array([p.score for p in posts])
    w = np.array(weights)
    centred = y - (w @ y) / w.sum()
    lhs = x.T @ (w[:, None] * x) + SHRINKAGE * np.eye(len(columns))
    effects = np.linalg.solve(lhs, x.T @ (w * centred))
    return dict(zip(columns, effects, strict=True))


def test_backfitting_runs_to_convergence_on_a_confounded_design():
    # Toby's own choices confound the dimensions: the personality it favours is mostly posted
    # with the topic it favours. Three Gauss-Seidel passes stop points away from the fit.
    rng = np.random.default_rng(4)
    posts = []
    for i in range(300):
        favoured = rng.random() < 0.85
        options = {
            "personality": "story" if favoured else str(rng.choice(["data", "humour"])),
            "topic_bucket": "sleep" if (favoured or rng.random() < 0.2) else "gut",
        }
        score = 50 + {"story": 4, "data": -3, "humour": 0}[options["personality"]]
        score += {"sleep": 6, "gut": -6}[options["topic_bucket"]] + rng.normal(0, 10)
        posts.append(ScoredPost(f"p{i}", "b1", "reel", "7d", float(score), options, DAY))
    weights = [0.5 + (i % 3) / 4 for i in range(len(posts))]
    weight_of = {p.post_id: w for p, w in zip(posts, weights, strict=True)}
    adjusted = adjusted_scores(posts, lambda post: weight_of[post.post_id])
    effects = _ridge_solution(posts, weights)
    for p in posts:
        for dimension in p.options:
            others = sum(effects[(d, o)] for d, o in p.options.items() if d != dimension)
            assert adjusted[p.post_id][dimension] == pytest.approx(p.score - others, abs=1e-4)
