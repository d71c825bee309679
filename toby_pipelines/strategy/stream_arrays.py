"""One stream's posts as arrays, built with one Python step per post.

Learning reads every user's 90-day horizon every day. Turning a stream's posts into the arrays
the numpy paths work on (`stream_evidence`, `other_dimensions`, `change_detection_lockstep`) cost
a dictionary operation per post and dimension, several times over. Here the posts' options are
numbered per combination instead: the posts read from the database share one options mapping per
combination of options (`scored_posts_between`), so each combination is numbered once and each
post costs one lookup. Posts that do not share their mappings are numbered the same way, only
without the saving.

Options are numbered per dimension in the order the stream first uses them, which is the order
the per-post code numbers them in: the first post that uses an option is the first post of its
combination, so walking the combinations in the order of their first posts meets the options in
the same order as walking the posts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from toby_pipelines.strategy.decay import decay_factor
from toby_pipelines.strategy.evidence import PROVISIONAL_WEIGHT, ScoredPost


@dataclass(frozen=True)
class StreamArrays:
    """A stream's posts in order: scores, publishing days (proleptic ordinals), whether each
    score is provisional, and, per dimension of the first post, each post's option as a number
    (`codes[post, dimension]`, -1 where a post lacks the dimension) with each dimension's
    options in numbering order."""

    dimensions: tuple[str, ...]
    uniform: bool  # every post names the first post's dimensions, in the same order
    scores: np.ndarray
    days: np.ndarray
    provisional: np.ndarray
    codes: np.ndarray
    options: tuple[tuple[str, ...], ...]

    def weights(self, as_of: dt.date, changed_on: dt.date | None, factor: float) -> np.ndarray:
        """Each post's weight: its phase's (`phase_weight`) times its age's decay
        (`decay_factor`), times `factor` when published before `changed_on`; the same
        multiplications as the per-post code, so the same numbers to the last bit."""
        ages = np.maximum(as_of.toordinal() - self.days, 0)
        distinct, where = np.unique(ages, return_inverse=True)
        decays = np.array([decay_factor(int(age)) for age in distinct], dtype=float)[where]
        weights = np.where(self.provisional, PROVISIONAL_WEIGHT, 1.0) * decays
        if changed_on is not None:
            before = self.days < changed_on.toordinal()
            weights[before] = weights[before] * factor
        return weights


def by_combination(stream: Sequence[ScoredPost]) -> tuple[list[Mapping[str, str]], np.ndarray]:
    """The stream's distinct options mappings in the order of their first posts, and each post's
    index into them: one lookup per post (posts read together share their mapping)."""
    combination_of: dict[int, int] = {}
    combinations: list[Mapping[str, str]] = []
    which = np.empty(len(stream), dtype=np.int64)
    for i, post in enumerate(stream):
        options = post.options
        found = combination_of.get(id(options))
        if found is None:
            found = combination_of[id(options)] = len(combinations)
            combinations.append(options)
        which[i] = found
    return combinations, which


def stream_arrays(stream: Sequence[ScoredPost]) -> StreamArrays:
    """The arrays of a non-empty stream."""
    combinations, which = by_combination(stream)
    dimensions = tuple(combinations[0])
    uniform = all(tuple(options) == dimensions for options in combinations)
    numbering: list[dict[str, int]] = [{} for _ in dimensions]
    table = np.full((len(combinations), len(dimensions)), -1, dtype=np.int64)
    for c, options in enumerate(combinations):
        for d, dimension in enumerate(dimensions):
            option = options.get(dimension)
            if option is not None:
                table[c, d] = numbering[d].setdefault(option, len(numbering[d]))
    return StreamArrays(
        dimensions=dimensions,
        uniform=uniform,
        scores=np.fromiter((post.score for post in stream), dtype=float, count=len(stream)),
        days=np.fromiter(
            (post.published_on.toordinal() for post in stream), dtype=np.int64, count=len(stream)
        ),
        provisional=np.fromiter(
            (post.phase == "48h" for post in stream), dtype=bool, count=len(stream)
        ),
        codes=table[which],
        options=tuple(tuple(index) for index in numbering),
    )
