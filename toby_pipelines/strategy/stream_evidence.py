"""Every arm's evidence of one user's streams, summed as arrays.

`evidence_by_arm` walks every post and every dimension in Python; a user's 90-day horizon is a few
thousand posts of five dimensions, and every user is learned every day. Here each stream's
weights, adjusted scores and arm sums are numpy arrays: `np.bincount` adds a bin's values one
after the other in post order, which is the order `evidence_by_arm` adds them in, and the arms
come out in the order it first meets them. The result is therefore the same to the last bit
(`tests/domain/test_stream_evidence.py`); streams whose posts do not all name the same
dimensions in the same order take `evidence_by_arm` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from toby_pipelines.strategy.evidence import (
    RECENT_SCORES,
    ArmKey,
    RawScores,
    ScoredPost,
    evidence_by_arm,
)
from toby_pipelines.strategy.normal_gamma import Evidence
from toby_pipelines.strategy.other_dimensions import adjusted_scores, fitted_columns
from toby_pipelines.strategy.stream_arrays import StreamArrays, stream_arrays

Arms = dict[ArmKey, tuple[Evidence, RawScores]]


def arms_of_streams(
    posts: Sequence[ScoredPost],
    streams: Mapping[tuple[str, str], Sequence[ScoredPost]],
    weight_of: Callable[[ScoredPost], float],
    arm_discounts: Mapping[ArmKey, tuple[dt.date, float]],
    prepared: Mapping[tuple[str, str], tuple[StreamArrays, np.ndarray]] | None = None,
    fits: dict[tuple[str, str], tuple[StreamArrays, np.ndarray]] | None = None,
) -> Arms:
    """`evidence_by_arm(posts, weight_of, adjusted, arm_discounts)` with each stream's posts
    adjusted for the other dimensions (`adjusted_scores`). `posts` are every stream's posts in
    publishing order; `streams` the same posts by brand and content type, in that order;
    `prepared`, when given, each stream's arrays and its posts' weights (`weight_of` of each).
    `fits`, when given, receives each stream's arrays and adjusted scores ([post, dimension] in
    the arrays' dimensions) where the stream's posts all name the same dimensions."""
    position = {id(post): i for i, post in enumerate(posts)}
    found: list[tuple[tuple[int, int], ArmKey, Evidence, RawScores]] = []
    for stream_key, stream in streams.items():
        if prepared is not None:
            arrays, weights = prepared[stream_key]
        else:
            arrays = stream_arrays(stream)
            weights = np.array([weight_of(post) for post in stream], dtype=float)
        if not arrays.uniform:
            adjusted = adjusted_scores(stream, weight_of)
            arms = evidence_by_arm(stream, weight_of, adjusted, arm_discounts)
            firsts = _first_uses(stream, position)
            found.extend((firsts[key], key, *arms[key]) for key in arms)
            continue
        fitted = fitted_columns(arrays, weights)
        if fits is not None:
            fits[stream_key] = (
                arrays,
                fitted[1]
                if fitted is not None
                else np.repeat(arrays.scores[:, None], len(arrays.dimensions), axis=1),
            )
        found.extend(_stream_arms(stream, arrays, weights, fitted, arm_discounts, position))
    found.sort(key=lambda item: item[0])
    return {key: (evidence, raw) for _, key, evidence, raw in found}


def _first_uses(stream, position) -> dict[ArmKey, tuple[int, int]]:
    firsts: dict[ArmKey, tuple[int, int]] = {}
    for post in stream:
        for d, (dimension, option) in enumerate(post.options.items()):
            key = (post.brand_id, post.content_type, dimension, option)
            firsts.setdefault(key, (position[id(post)], d))
    return firsts


def _stream_arms(stream, arrays: StreamArrays, weights, fitted, arm_discounts, position):
    """Every arm of a stream whose posts all name the same dimensions, summed for every
    dimension at once: each dimension's options are bins of their own (after the dimensions
    before), so a bin's posts are still added in post order, as one bincount per dimension adds
    them."""
    brand_id, content_type = stream[0].brand_id, stream[0].content_type
    scores, days = arrays.scores, arrays.days
    count, dimensions = len(stream), len(arrays.dimensions)
    table, size = arrays.option_columns()
    # [dimension, post] flattened: each post's bin, value and weight in every dimension.
    bins = table.ravel()
    values = fitted[1].T.ravel() if fitted is not None else np.tile(scores, dimensions)
    arm_weights = np.tile(weights, dimensions)
    for d, dimension in enumerate(arrays.dimensions):
        codes = arrays.codes[:, d]
        own = arm_weights[d * count : (d + 1) * count]
        for code, option in enumerate(arrays.options[d]):
            discount = arm_discounts.get((brand_id, content_type, dimension, option))
            if discount is not None:
                before = (codes == code) & (days < discount[0].toordinal())
                own[before] = weights[before] * discount[1]
    weight = np.bincount(bins, weights=arm_weights, minlength=size)
    total = np.bincount(bins, weights=arm_weights * values, minlength=size)
    squares = np.bincount(bins, weights=arm_weights * values * values, minlength=size)
    posts = np.bincount(bins, minlength=size)
    first = np.full(size, count)
    np.minimum.at(first, bins, np.tile(np.arange(count), dimensions))
    raw = _raw_scores(np.tile(scores, dimensions), bins, posts)
    # Bins are numbered dimension by dimension, option by option: the order of these loops.
    arms = ((d, dimension, option) for d, dimension in enumerate(arrays.dimensions)
            for option in arrays.options[d])  # fmt: skip
    for at, (d, dimension, option) in enumerate(arms):
        yield (
            (position[id(stream[int(first[at])])], d),
            (brand_id, content_type, dimension, option),
            Evidence(float(weight[at]), float(total[at]), float(squares[at]), int(posts[at])),
            raw[at],
        )


def _raw_scores(scores: np.ndarray, codes: np.ndarray, posts: np.ndarray) -> list[RawScores]:
    """`RawScores.of` each option's scores: `np.bincount` adds each bin's values in post order,
    as `sum` adds the list, so the figures are the same to the last bit."""
    count = len(posts)
    sizes = np.maximum(posts, 1)
    means = np.bincount(codes, weights=scores, minlength=count) / sizes
    variances = np.bincount(codes, weights=(scores - means[codes]) ** 2, minlength=count) / sizes
    best = np.full(count, -np.inf)
    np.maximum.at(best, codes, scores)
    worst = np.full(count, np.inf)
    np.minimum.at(worst, codes, scores)
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(posts)
    return [
        RawScores(
            float(means[code]),
            float(variances[code]),
            float(best[code]),
            float(worst[code]),
            tuple(scores[order[end - min(size, RECENT_SCORES) : end]].tolist()),
        )
        if size
        else RawScores()
        for code, (size, end) in enumerate(zip(posts.tolist(), ends.tolist(), strict=True))
    ]
