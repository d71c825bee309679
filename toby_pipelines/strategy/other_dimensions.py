"""Taking the other dimensions' part out of each score (backfitting an additive model).

A post's score reflects all five choices at once. Judging the hook by raw scores charges it
with the personality and topic it happened to be posted with, which is noise at best and bias
once Toby favours some options. Each dimension's evidence is therefore the score minus the
estimated effects of the post's other options, where an option's effect is its weighted mean
deviation from the brand's mean after the other dimensions' effects are removed, shrunk toward
zero by `SHRINKAGE` pseudo-posts. A few backfitting passes (Gauss-Seidel, one dimension at a
time) settle the effects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from toby_pipelines.strategy.evidence import ScoredPost

SHRINKAGE = 3.0
PASSES = 3


def adjusted_scores(
    posts: Sequence[ScoredPost], weight_of: Callable[[ScoredPost], float]
) -> dict[str, dict[str, float]]:
    """{post_id: {dimension: score less the effects of the post's options in other dimensions}}
    for the posts of one brand and content type."""
    weights = np.array([weight_of(post) for post in posts], dtype=float)
    total = float(weights.sum())
    if total <= 0:
        return {p.post_id: dict.fromkeys(p.options, p.score) for p in posts}
    scores = np.array([post.score for post in posts], dtype=float)
    centre = float(weights @ scores) / total
    dimensions = list(posts[0].options)
    # Per dimension: each post's option as an index into that dimension's options (-1: none).
    codes: list[np.ndarray] = []
    for dimension in dimensions:
        index: dict[str, int] = {}
        codes.append(
            np.array(
                [
                    -1
                    if (option := post.options.get(dimension)) is None
                    else index.setdefault(option, len(index))
                    for post in posts
                ]
            )
        )
    # contribution[d][i]: the effect of post i's option in dimension d (0 before fitting).
    contribution = np.zeros((len(dimensions), len(posts)))
    for _ in range(PASSES):
        for d, code in enumerate(codes):
            present = code >= 0
            others = contribution.sum(axis=0) - contribution[d]
            residual = scores - centre - others
            size = int(code.max()) + 1 if present.any() else 0
            weight_sum = np.bincount(code[present], weights=weights[present], minlength=size)
            residual_sum = np.bincount(
                code[present], weights=(weights * residual)[present], minlength=size
            )
            effects = residual_sum / (weight_sum + SHRINKAGE)
            contribution[d] = np.where(present, effects[np.maximum(code, 0)], 0.0)
    fitted = {dimension: d for d, dimension in enumerate(dimensions)}
    all_effects = contribution.sum(axis=0)
    result: dict[str, dict[str, float]] = {}
    for i, post in enumerate(posts):
        result[post.post_id] = {
            dimension: float(
                scores[i]
                - all_effects[i]
                + (contribution[fitted[dimension], i] if dimension in fitted else 0.0)
            )
            for dimension in post.options
        }
    return result
