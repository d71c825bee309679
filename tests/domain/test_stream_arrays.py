"""A stream in arrays, numbered per combination of options, is the stream the per-post code sees.

The database hands learning posts that share one options mapping per combination
(`scored_posts_between`), and `stream_arrays` numbers each combination once. Whether posts share
their mappings or not, the numbering, the weights, the arms and the detected changes must be
those of the per-post code to the last bit.
"""

from __future__ import annotations

import datetime as dt

from tests.domain.test_change_detection_lockstep import dropping
from tests.domain.test_stream_evidence import AS_OF, user_posts
from toby_pipelines.strategy.change_detection import detect_changes
from toby_pipelines.strategy.change_detection_lockstep import detect_changes_many
from toby_pipelines.strategy.decay import decay_factor
from toby_pipelines.strategy.evidence import ScoredPost, evidence_by_arm, phase_weight
from toby_pipelines.strategy.other_dimensions import adjusted_scores
from toby_pipelines.strategy.stream_arrays import stream_arrays
from toby_pipelines.strategy.stream_evidence import arms_of_streams


def shared(posts: list[ScoredPost]) -> list[ScoredPost]:
    """The same posts with one options mapping per combination, as the database reader gives."""
    mappings: dict[tuple, dict[str, str]] = {}
    return [
        post._replace(options=mappings.setdefault(tuple(post.options.items()), dict(post.options)))
        for post in posts
    ]


def per_post_numbering(stream: list[ScoredPost]) -> list[dict[str, int]]:
    numbering: list[dict[str, int]] = [{} for _ in stream[0].options]
    for post in stream:
        for d, dimension in enumerate(stream[0].options):
            if dimension in post.options:
                numbering[d].setdefault(post.options[dimension], len(numbering[d]))
    return numbering


def test_numbering_is_the_per_post_numbering_whether_or_not_posts_share_their_options():
    posts = [p for p in user_posts(4) if (p.brand_id, p.content_type) == ("b0", "reel")]
    assert len({id(p.options) for p in shared(posts)}) < len(posts)  # combinations repeat
    for stream in (posts, shared(posts)):
        arrays = stream_arrays(stream)
        numbering = per_post_numbering(stream)
        assert arrays.options == tuple(tuple(index) for index in numbering)
        for i, post in enumerate(stream):
            for d, dimension in enumerate(arrays.dimensions):
                assert arrays.codes[i, d] == numbering[d][post.options[dimension]]
        assert arrays.uniform


def test_weights_are_the_per_post_weights_to_the_last_bit():
    posts = user_posts(5)
    changed = AS_OF - dt.timedelta(days=33)
    arrays = stream_arrays(posts)
    found = arrays.weights(AS_OF, changed, 0.1)
    expected = []
    for post in posts:
        weight = phase_weight(post) * decay_factor(max(0, (AS_OF - post.published_on).days))
        expected.append(weight * 0.1 if post.published_on < changed else weight)
    assert found.tolist() == expected
    assert arrays.weights(AS_OF, None, 0.1).tolist() == [
        phase_weight(p) * decay_factor((AS_OF - p.published_on).days) for p in posts
    ]


def test_arms_of_posts_that_share_their_options_equal_the_per_post_sums():
    for seed in range(3):
        posts = shared(user_posts(seed))
        streams: dict[tuple[str, str], list[ScoredPost]] = {}
        for post in posts:
            streams.setdefault((post.brand_id, post.content_type), []).append(post)

        def weight_of(post: ScoredPost) -> float:
            return phase_weight(post) * decay_factor((AS_OF - post.published_on).days)

        prepared = {
            key: (arrays := stream_arrays(stream), arrays.weights(AS_OF, None, 0.1))
            for key, stream in streams.items()
        }
        rose = {("b0", "reel", "d1", "o2"): (AS_OF - dt.timedelta(days=20), 0.1)}
        adjusted: dict[str, dict[str, float]] = {}
        for stream in streams.values():
            adjusted.update(adjusted_scores(stream, weight_of))
        expected = evidence_by_arm(posts, weight_of, adjusted, rose)
        found = arms_of_streams(posts, streams, weight_of, rose, prepared)
        assert list(found) == list(expected)
        assert found == expected


def test_lockstep_detection_of_posts_that_share_their_options():
    streams = [shared(dropping(seed, 80 + 20 * seed, 40)) for seed in range(5)]
    assert detect_changes_many(streams) == [detect_changes(stream) for stream in streams]
    assert any(detect_changes(stream) for stream in streams)
