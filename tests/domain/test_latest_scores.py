"""One score per post, in publishing order (`latest_scores`): the final score replaces the
provisional one whichever comes first, and scores read one per post already (as the horizon's
read gives them) come back in the same order as when the replacement had work to do."""

from __future__ import annotations

import datetime as dt

from toby_pipelines.strategy.evidence import ScoredPost, latest_scores

DAY = dt.date(2026, 3, 1)


def _post(post_id: str, phase: str, score: float, day: int) -> ScoredPost:
    return ScoredPost(post_id, "b", "reel", phase, score, {"hook": "h"}, DAY + dt.timedelta(day))


def test_the_final_score_replaces_the_provisional_one_in_either_order():
    scores = [
        _post("p2", "48h", 40.0, 1),
        _post("p1", "7d", 61.0, 0),
        _post("p1", "48h", 55.0, 0),
        _post("p2", "7d", 44.0, 1),
        _post("p0", "48h", 50.0, 1),  # same day as p2: ordered by id
    ]
    assert [(p.post_id, p.phase, p.score) for p in latest_scores(scores)] == [
        ("p1", "7d", 61.0),
        ("p0", "48h", 50.0),
        ("p2", "7d", 44.0),
    ]


def test_scores_one_per_post_keep_the_same_order():
    """The read gives scores ordered by score date; publishing order differs from it."""
    scores = [_post(f"p{n}", "7d" if n % 3 else "48h", float(n), (7 * n) % 5) for n in range(12)]
    duplicated = [*scores, _post("p4", "48h", 0.0, (7 * 4) % 5)]  # p4 has its 7d already
    assert latest_scores(scores) == latest_scores(duplicated)
    days = [(p.published_on, p.post_id) for p in latest_scores(scores)]
    assert days == sorted(days) and len(days) == 12
