"""`toby evaluate`: every target policy's estimates per brand and content type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toby_pipelines.evaluation.estimators import Estimate, doubly_robust, ipw, snipw
from toby_pipelines.evaluation.policies import LoggedPost, TargetPolicy, predicted

# Below this effective sample size an estimate and its interval are not worth acting on.
FEW_POSTS = 10.0


@dataclass(frozen=True)
class Evaluation:
    brand_id: str
    content_type: str
    posts: int
    logged_mean: float  # what Toby's own choices scored
    estimates: dict[str, list[Estimate]]  # policy text -> IPW, SNIPW, DR


def evaluate(posts: Sequence[LoggedPost], policies: dict[str, TargetPolicy]) -> list[Evaluation]:
    groups: dict[tuple[str, str], list[LoggedPost]] = {}
    for post in posts:
        groups.setdefault((post.brand_id, post.content_type), []).append(post)
    results = []
    for (brand_id, content_type), mine in sorted(groups.items()):
        scores = [p.score for p in mine]
        estimates = {}
        for text, policy in policies.items():
            weights = [policy.weight(p) for p in mine]
            estimates[text] = [
                ipw(scores, weights),
                snipw(scores, weights),
                doubly_robust(
                    scores,
                    weights,
                    [predicted(p) for p in mine],
                    [policy.predicted_under_target(p) for p in mine],
                ),
            ]
        results.append(
            Evaluation(brand_id, content_type, len(mine), sum(scores) / len(scores), estimates)
        )
    return results


def render(results: Sequence[Evaluation], names: dict[str, str]) -> str:
    lines = []
    for result in results:
        lines.append(
            f"{names.get(result.brand_id, result.brand_id)} {result.content_type}s:"
            f" {result.posts} posts, Toby's own choices scored {result.logged_mean:.1f}"
        )
        lines.append(
            f"  {'policy':<32} {'estimator':<9} {'value':>6}  {'95% interval':<13} {'ESS':>7}"
        )
        for text, estimates in result.estimates.items():
            for estimate in estimates:
                interval = f"{estimate.low:.1f}–{estimate.high:.1f}"
                few = estimate.effective_sample_size < FEW_POSTS
                lines.append(
                    f"  {text:<32} {estimate.estimator:<9} {estimate.value:>6.1f}"
                    f"  {interval:<13} {estimate.effective_sample_size:>7.1f}"
                    + ("  too few posts to trust" if few else "")
                )
    return "\n".join(lines)
