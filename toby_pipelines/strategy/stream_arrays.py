"""One stream's posts as arrays, built without a Python step per post.

Learning reads every user's 90-day horizon every day. Turning a stream's posts into the arrays
the numpy paths work on (`stream_evidence`, `other_dimensions`, `change_detection_lockstep`) cost
a dictionary operation per post and dimension, several times over. Here the posts' options are
numbered per combination instead: the posts read from the database share one options mapping per
combination of options (`scored_posts_between`), so each combination is numbered once, and the
posts are told apart by their mapping's identity in numpy (`np.unique`). Scores, days and phases
are taken out by `map` in C. Posts that do not share their mappings are numbered the same way,
only without the saving.

Options are numbered per dimension in the order the stream first uses them, which is the order
the per-post code numbers them in: the first post that uses an option is the first post of its
combination, so walking the combinations in the order of their first posts meets the options in
the same order as walking the posts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

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

    def option_columns(self) -> tuple[np.ndarray, int]:
        """Every option of every dimension numbered as one column (a dimension's options after
        the dimensions before): [dimension, post], -1 where a post lacks the dimension; and how
        many columns there are."""
        offsets = np.cumsum([0, *(len(options) for options in self.options)])
        return np.where(self.codes >= 0, self.codes + offsets[:-1], -1).T, int(offsets[-1])

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


_SCORE, _PHASE = attrgetter("score"), attrgetter("phase")
_OPTIONS, _PUBLISHED = attrgetter("options"), attrgetter("published_on")


def scores_of(stream: Sequence[ScoredPost]) -> np.ndarray:
    """The posts' scores (mapped in C, not a Python step per post)."""
    return np.fromiter(map(_SCORE, stream), dtype=float, count=len(stream))


def days_of(stream: Sequence[ScoredPost]) -> np.ndarray:
    """The posts' publishing days as proleptic ordinals."""
    return np.fromiter(
        map(dt.date.toordinal, map(_PUBLISHED, stream)), dtype=np.int64, count=len(stream)
    )


def by_combination(stream: Sequence[ScoredPost]) -> tuple[list[Mapping[str, str]], np.ndarray]:
    """The stream's distinct options mappings in the order of their first posts, and each post's
    index into them (posts read together share their mapping, so a mapping is told by its
    identity)."""
    count = len(stream)
    if count == 0:
        return [], np.empty(0, dtype=np.int64)
    identities = np.fromiter(map(id, map(_OPTIONS, stream)), dtype=np.int64, count=count)
    _, firsts, which = np.unique(identities, return_index=True, return_inverse=True)
    order = np.argsort(firsts, kind="stable")  # the mappings by their first posts
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return [stream[first].options for first in firsts[order].tolist()], rank[which.reshape(-1)]


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
        scores=scores_of(stream),
        days=days_of(stream),
        provisional=np.fromiter(
            map("48h".__eq__, map(_PHASE, stream)), dtype=bool, count=len(stream)
        ),
        codes=table[which],
        options=tuple(tuple(index) for index in numbering),
    )
