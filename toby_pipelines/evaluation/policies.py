"""Target policies, as the probability each would have given a logged post's options.

Every target chooses each dimension on its own from what the planner knew when it planned the
post (its posterior version), so its probability of a post's options is a product over
dimensions:

- `uniform`: every option of the pool equally likely.
- `plain-ts`: Thompson sampling with the posteriors' own spread (width 1), no experiments and
  no resting topics (`thompson.choice_probabilities`, exact to 1e-4).
- `seed-70-30`: seed 000 section 5.5: 70% the option with the highest posterior mean, 30% a
  uniformly random one.
- `always:DIMENSION=OPTION`: that option in that dimension, every other dimension as Toby chose
  it; its weight is 1[chosen] / Toby's marginal probability of the option (recorded per post).

The doubly robust estimator's model predicts a post's score as the mean over dimensions of its
options' posterior means (the same prediction the change detector makes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from toby_pipelines.strategy.planning_record import PlanningInputs
from toby_pipelines.strategy.thompson import choice_probabilities

PLAIN_WIDTH = 1.0
SEED_EXPLOIT = 0.7
NAMED = ("uniform", "plain-ts", "seed-70-30")


class UnknownPolicy(ValueError):
    pass


@dataclass(frozen=True)
class LoggedPost:
    post_id: str
    brand_id: str
    content_type: str
    options: Mapping[str, str]
    score: float  # the final (7-day) score
    propensity: float  # Toby's probability of exactly these options
    marginals: Mapping[str, float]  # Toby's probability of each dimension's option
    inputs: PlanningInputs  # what Toby planned it from


@dataclass(frozen=True)
class TargetPolicy:
    name: str
    dimension: str | None = None  # for always:DIMENSION=OPTION
    option: str | None = None

    def choice_probabilities(self, post: LoggedPost) -> dict[str, dict[str, float]]:
        """{dimension: {option: probability}} of the target for this post; for `always`, the
        other dimensions are the post's own options (the target keeps Toby's choice there)."""
        result = {}
        for dimension, pool in post.inputs.pools.items():
            if self.name == "always" and dimension != self.dimension:
                result[dimension] = {post.options[dimension]: 1.0}
                continue
            result[dimension] = self._dimension(post.inputs, dimension, pool)
        return result

    def _dimension(self, inputs, dimension, pool) -> dict[str, float]:
        if self.name == "always":
            return {option: float(option == self.option) for option in pool}
        if self.name == "uniform":
            return dict.fromkeys(pool, 1.0 / len(pool))
        laws = inputs.posteriors[dimension]
        if self.name == "plain-ts":
            probabilities = choice_probabilities(tuple(laws[o] for o in pool), PLAIN_WIDTH)
            return dict(zip(pool, probabilities, strict=True))
        leader = max(pool, key=lambda option: laws[option].mu)
        return {
            option: SEED_EXPLOIT * (option == leader) + (1 - SEED_EXPLOIT) / len(pool)
            for option in pool
        }

    def weight(self, post: LoggedPost) -> float:
        """pi(options) / mu(options) for the post's own options."""
        if self.name == "always":
            chosen = post.options[self.dimension] == self.option
            return float(chosen) / post.marginals[self.dimension] if chosen else 0.0
        probabilities = self.choice_probabilities(post)
        target = math.prod(probabilities[d].get(post.options[d], 0.0) for d in probabilities)
        return target / post.propensity

    def predicted_under_target(self, post: LoggedPost) -> float:
        """The model's expected score if the target had chosen (see module docstring)."""
        probabilities = self.choice_probabilities(post)
        laws = post.inputs.posteriors
        return sum(
            sum(p * laws[d][o].mu for o, p in probabilities[d].items()) for d in probabilities
        ) / len(probabilities)


def predicted(post: LoggedPost) -> float:
    laws = post.inputs.posteriors
    return sum(laws[d][o].mu for d, o in post.options.items()) / len(post.options)


def parse_policy(text: str, dimensions: tuple[str, ...]) -> TargetPolicy:
    """`uniform`, `plain-ts`, `seed-70-30` or `always:DIMENSION=OPTION`."""
    if text in NAMED:
        return TargetPolicy(text)
    if text.startswith("always:") and "=" in text:
        dimension, option = text.removeprefix("always:").split("=", 1)
        if dimension not in dimensions:
            raise UnknownPolicy(
                f"policy {text!r}: dimension must be one of {', '.join(dimensions)},"
                f" got {dimension!r}"
            )
        if not option:
            raise UnknownPolicy(f"policy {text!r}: the option is empty")
        return TargetPolicy("always", dimension, option)
    raise UnknownPolicy(
        f"policy must be uniform, plain-ts, seed-70-30 or always:DIMENSION=OPTION, got {text!r}"
    )
