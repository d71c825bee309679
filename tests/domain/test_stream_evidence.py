"""Arm evidence summed as arrays equals `evidence_by_arm` to the last bit.

Every user is learned every day from a 90-day horizon, so `learn_streams` sums each stream's
arms with numpy (`arms_of_streams`). That must change nothing Toby believes: the same weights,
sums, counts, raw scores and even the order of the arms (later sums across brands follow it),
for streams with provisional and deleted posts, decayed and discounted weights, an option that
rose, and a stream whose posts do not all name the same dimensions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from toby_pipelines.strategy.deletions import DELETED
from toby_pipelines.strategy.evidence import ScoredPost, evidence_by_arm, phase_weight
from toby_pipelines.strategy.other_dimensions import adjusted_scores
from toby_pipelines.strategy.stream_evidence import arms_of_streams

AS_OF = dt.date(2026, 6, 30)


def user_posts(seed: int) -> list[ScoredPost]:
    rng = np.random.default_rng(seed)
    posts = []
    for i in range(400):
        brand = f"b{int(rng.integers(3))}"
        content_type = "reel" if rng.random() < 0.7 else "carousel"
        options = {f"d{d}": f"o{int(rng.integers(2 + d))}" for d in range(4)}
        if brand == "b2" and content_type == "carousel" and rng.random() < 0.3:
            options.pop("d3")  # this stream's posts differ in their dimensions
        phase = rng.choice(["7d", "7d", "48h", DELETED])
        posts.append(
            ScoredPost(
                f"p{seed}-{i}", brand, content_type, str(phase), float(rng.normal(55, 14)),
                options, AS_OF - dt.timedelta(days=int(89 - i * 90 // 400)),
            )
        )  # fmt: skip
    return posts


def test_array_sums_equal_the_per_post_sums():
    for seed in range(3):
        posts = user_posts(seed)
        streams: dict[tuple[str, str], list[ScoredPost]] = {}
        for post in posts:
            streams.setdefault((post.brand_id, post.content_type), []).append(post)

        def weight_of(post: ScoredPost, changed=AS_OF - dt.timedelta(days=40)) -> float:
            age = (AS_OF - post.published_on).days
            weight = phase_weight(post) * float(np.exp(-0.0115 * age))
            return weight * 0.1 if post.brand_id == "b1" and post.published_on < changed else weight

        rose = {("b0", "reel", "d1", "o2"): (AS_OF - dt.timedelta(days=20), 0.1)}
        adjusted: dict[str, dict[str, float]] = {}
        for stream in streams.values():
            adjusted.update(adjusted_scores(stream, weight_of))
        expected = evidence_by_arm(posts, weight_of, adjusted, rose)
        found = arms_of_streams(posts, streams, weight_of, rose)
        assert list(found) == list(expected)  # the same arms in the same order
        assert found == expected  # and the same sums, counts and raw scores, bit for bit
        assert any(evidence.weight != evidence.count for evidence, _ in found.values())


def test_each_options_raw_scores_are_its_scores_figures_to_the_last_bit():
    """Mean, variance, best, worst and the latest ten, as the posterior row stores them, from
    array sums: the same as the per-post code's, for options posted once, a few times and many."""
    from toby_pipelines.strategy.evidence import RECENT_SCORES, RawScores
    from toby_pipelines.strategy.stream_evidence import _raw_scores

    rng = np.random.default_rng(11)
    codes = np.concatenate([np.zeros(1, dtype=np.int64), rng.integers(1, 4, 300)])
    rng.shuffle(codes)
    scores = rng.normal(55, 14, len(codes)) * rng.choice([1.0, 1e-7, 1e7], len(codes))
    found = _raw_scores(scores, codes, np.bincount(codes))
    for code, raw in enumerate(found):
        mine = [float(s) for s, c in zip(scores, codes, strict=True) if c == code]
        assert raw == RawScores.of(mine)
        assert len(raw.recent) == min(len(mine), RECENT_SCORES) and raw.recent[-1] == mine[-1]
