"""Taking the other dimensions' part out of each score (backfitting an additive model).

A post's score reflects all five choices at once. Judging the hook by raw scores charges it
with the personality and topic it happened to be posted with, which is noise at best and bias
once Toby favours some options. Each dimension's evidence is therefore the score minus the
estimated effects of the post's other options, where an option's effect is its weighted mean
deviation from the brand's mean after the other dimensions' effects are removed, shrunk toward
zero by `SHRINKAGE` pseudo-posts. That is the fixed point of backfitting (Gauss-Seidel, one
dimension at a time): the penalized weighted least-squares fit of one effect per option, which
is solved here directly from its normal equations (a few dozen options, so a small linear
system), not by a fixed number of passes that stops points short of it once Toby's own choices
confound the dimensions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.stream_arrays import StreamArrays, stream_arrays

SHRINKAGE = 3.0


def adjusted_scores(
    posts: Sequence[ScoredPost], weight_of: Callable[[ScoredPost], float]
) -> dict[str, dict[str, float]]:
    """{post_id: {dimension: score less the effects of the post's options in other dimensions}}
    for the posts of one brand and content type."""
    weights = np.array([weight_of(post) for post in posts], dtype=float)
    fitted = adjusted_columns(posts, weights)
    if fitted is None:
        return {p.post_id: dict.fromkeys(p.options, p.score) for p in posts}
    dimensions, values, unfitted = fitted
    column = {dimension: d for d, dimension in enumerate(dimensions)}
    return {
        post.post_id: {
            dimension: float(values[i, column[dimension]])
            if dimension in column
            else float(unfitted[i])
            for dimension in post.options
        }
        for i, post in enumerate(posts)
    }


def adjusted_columns(
    posts: Sequence[ScoredPost], weights: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """The fit behind `adjusted_scores` as arrays: the dimensions of the first post, each post's
    adjusted score per one of them ([post, dimension]), and each post's score less all its
    effects (what a dimension the first post lacks is adjusted to). None when no post weighs
    anything: then every dimension's evidence is the raw score."""
    return fitted_columns(stream_arrays(posts), weights)


def fitted_columns(
    stream: StreamArrays, weights: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """`adjusted_columns` of a stream already in arrays."""
    total = float(weights.sum())
    if total <= 0:
        return None
    scores = stream.scores
    centre = float(weights @ scores) / total
    dimensions = list(stream.dimensions)
    # One column per option of every dimension: post i's column in dimension d (-1: none).
    table, size = stream.option_columns()
    # X'WX + SHRINKAGE I and X'W (y - centre), each in one bincount over every pair of
    # dimensions (every dimension): a cell of X'WX belongs to one pair, so its posts are added
    # in post order, as a bincount per pair adds them.
    first = np.repeat(table, len(table), axis=0)
    second = np.tile(table, (len(table), 1))
    both = (first >= 0) & (second >= 0)
    pair_weights = np.broadcast_to(weights, first.shape)
    normal = np.bincount(
        (first * size + second)[both], weights=pair_weights[both], minlength=size * size
    ).reshape(size, size) + SHRINKAGE * np.eye(size)
    present = table >= 0
    right = np.bincount(
        table[present],
        weights=np.broadcast_to(weights * (scores - centre), table.shape)[present],
        minlength=size,
    )
    effects = np.linalg.solve(normal, right)
    # contribution[d][i]: the effect of post i's option in dimension d.
    contribution = np.array(
        [np.where(column >= 0, effects[np.maximum(column, 0)], 0.0) for column in table]
    ).reshape(len(table), len(scores))
    unfitted = scores - contribution.sum(axis=0)
    return dimensions, (unfitted + contribution).T, unfitted
