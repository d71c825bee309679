"""A post its owner deleted on the platform is strong negative evidence for its options.

Seed 002 takes 0.7 of its reward range off a deleted post, decaying as exp(-days since the
deletion / 3). Toby reads the same rule in its own score points: a deleted post counts as a full
post scoring `DELETION_PENALTY` (0.7 of the 50 points between the brand's baseline and either
end of the scale) below what it scored itself, or below the brand's mean when it was deleted
before it was measured; the penalty fades as exp(-days since the deletion /
`DELETION_DECAY_DAYS`). The time constant is longer than the seed's three days because Toby's
scores arrive after two and seven days and its posteriors are relearned daily: a three-day
penalty would have faded before the deleted post's neighbours were even scored. Once faded, the
post counts as what it scored (or as an average post when it was never measured).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from toby_pipelines.strategy.evidence import PUBLISHING_ORDER, ScoredPost

DELETION_PENALTY = 35.0
DELETION_DECAY_DAYS = 14.0
DELETED = "deleted"  # the phase of a deleted post's evidence


@dataclass(frozen=True)
class DeletedPost:
    post_id: str
    brand_id: str
    content_type: str
    options: Mapping[str, str]
    published_on: dt.date
    deleted_on: dt.date


def deletion_penalty(deleted_on: dt.date, as_of: dt.date) -> float:
    days = max(0, (as_of - deleted_on).days)
    return DELETION_PENALTY * math.exp(-days / DELETION_DECAY_DAYS)


def with_deletions(
    posts: Sequence[ScoredPost],
    deleted: Sequence[DeletedPost],
    brand_means: Mapping[tuple[str, str], float],
    as_of: dt.date,
) -> list[ScoredPost]:
    """`posts` (one score per post, see `latest_scores`) with every deleted post's evidence in
    place of its own score, in publishing order. `brand_means` by (brand, content type) stand in
    for the score of a post deleted before it was measured."""
    by_id = {post.post_id: post for post in posts}
    for gone in deleted:
        if gone.deleted_on > as_of:
            continue  # not deleted yet as of this day
        measured = by_id.get(gone.post_id)
        base = (
            measured.score
            if measured is not None
            else brand_means.get((gone.brand_id, gone.content_type), 50.0)
        )
        score = min(100.0, max(0.0, base - deletion_penalty(gone.deleted_on, as_of)))
        if measured is not None:
            by_id[gone.post_id] = measured._replace(phase=DELETED, score=score)
        else:
            by_id[gone.post_id] = ScoredPost(
                gone.post_id,
                gone.brand_id,
                gone.content_type,
                DELETED,
                score,
                dict(gone.options),
                gone.published_on,
            )
    return sorted(by_id.values(), key=PUBLISHING_ORDER)
