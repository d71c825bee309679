"""Drops: the brand's audience turns against a content type; Toby notices fast and rarely
imagines it."""

import datetime as dt

from tests.domain.test_rises import season
from toby_pipelines.strategy.change_detection import detect_changes
from toby_pipelines.strategy.evidence import ScoredPost

DROP_AT = 270  # post number, day 45 of a 540-post season


def dropped(seed: int, points: float) -> list[ScoredPost]:
    """A stable season whose every post scores `points` less from post DROP_AT on."""
    posts, _ = season(seed, rise=False)
    return [
        ScoredPost(p.post_id, p.brand_id, p.content_type, p.phase,
                   p.score - (points if i >= DROP_AT else 0.0), p.options, p.published_on)
        for i, p in enumerate(posts)
    ]  # fmt: skip


def test_a_stable_audience_raises_few_false_drops():
    """60 seasons, 32,400 posts: 3 false drops at the threshold of 6, 15 at the threshold of 5
    it replaced (over 200 seasons: one per 13,500 posts against one per 2,900)."""
    drops = sum(
        not change.is_rise
        for seed in range(60)
        for change in detect_changes(season(seed, False)[0])
    )
    assert drops <= 5


def test_a_ten_point_drop_is_found_within_days_and_dated_near_its_start():
    delays = []
    for seed in range(30):
        posts = dropped(seed, 10.0)
        began = posts[DROP_AT].published_on
        found = [c for c in detect_changes(posts) if not c.is_rise and c.detected_on >= began]
        if found:
            delays.append((found[0].detected_on - began).days)
            assert found[0].changed_on >= began - dt.timedelta(days=7)
            assert found[0].shift < -5
    assert len(delays) >= 25
    assert sorted(delays)[len(delays) // 2] <= 7
