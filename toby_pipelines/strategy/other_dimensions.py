"""Taking the other dimensions' part out of each score (backfitting an additive model).

A post's score reflects all five choices at once. Judging the hook by raw scores charges it
with the personality and topic it happened to be posted with, which is noise at best and bias
once Toby favours some options. Each dimension's evidence is therefore the score minus the
estimated effects of the post's other options, where an option's effect is its weighted mean
deviation from the brand's mean after the other dimensions' effects are removed, shrunk toward
zero by `SHRINKAGE` pseudo-posts. A few backfitting passes settle the effects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from toby_pipelines.strategy.evidence import ScoredPost

SHRINKAGE = 3.0
PASSES = 3


def adjusted_scores(
    posts: Sequence[ScoredPost], weight_of: Callable[[ScoredPost], float]
) -> dict[str, dict[str, float]]:
    """{post_id: {dimension: score less the effects of the post's options in other dimensions}}
    for the posts of one brand and content type."""
    weights = [weight_of(post) for post in posts]
    total = sum(weights)
    if total <= 0:
        return {p.post_id: dict.fromkeys(p.options, p.score) for p in posts}
    centre = sum(w * p.score for w, p in zip(weights, posts, strict=True)) / total
    effects: dict[tuple[str, str], float] = {}
    for _ in range(PASSES):
        for dimension in posts[0].options:
            sums: dict[str, list[float]] = {}
            for weight, post in zip(weights, posts, strict=True):
                option = post.options.get(dimension)
                if option is None:
                    continue
                others = sum(
                    effects.get(item, 0.0) for item in post.options.items() if item[0] != dimension
                )
                entry = sums.setdefault(option, [0.0, 0.0])
                entry[0] += weight
                entry[1] += weight * (post.score - centre - others)
            for option, (w, s) in sums.items():
                effects[(dimension, option)] = s / (w + SHRINKAGE)
    return {
        post.post_id: {
            dimension: post.score
            - sum(effects.get(item, 0.0) for item in post.options.items() if item[0] != dimension)
            for dimension in post.options
        }
        for post in posts
    }
