"""Seasonal topic rotation (seed 000 section 9.2).

A topic whose last three posts all scored clearly below the brand's baseline is deprioritized:
regular slots skip it, experiment slots may still pick it. It comes back when one of its posts
scores at or above the baseline again, or after `RESTING_DAYS` without one.

"Clearly below" means more than one standard deviation of the brand's scores under the
baseline (the mean of the brand's last `BASELINE_POSTS` scores). Plain "below the average" would
trip on the brand's best topic about one time in eight by chance alone, once Toby posts it most.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from toby_pipelines.strategy.evidence import ScoredPost

STREAK = 3
RESTING_DAYS = 14
BASELINE_POSTS = 40


@dataclass(frozen=True)
class RestingTopic:
    brand_id: str
    content_type: str
    topic: str
    since: dt.date
    until: dt.date
    scores: tuple[float, ...]
    threshold: float


def resting_topics(posts: Sequence[ScoredPost], as_of: dt.date) -> list[RestingTopic]:
    """Topics of one brand and content type that are deprioritized on `as_of`.

    `posts` hold one score per post in publishing order (see `latest_scores`)."""
    if len(posts) < STREAK + 2:
        return []
    recent = [p.score for p in posts[-BASELINE_POSTS:]]
    threshold = statistics.fmean(recent) - statistics.pstdev(recent)
    by_topic = _last_posts_of_recent_topics(posts, as_of)
    resting = []
    for topic, last in sorted(by_topic.items()):
        if len(last) < STREAK or any(p.score >= threshold for p in last):
            continue
        since = last[-1].published_on
        until = since + dt.timedelta(days=RESTING_DAYS)
        if as_of < until:
            resting.append(
                RestingTopic(
                    posts[0].brand_id,
                    posts[0].content_type,
                    topic,
                    since,
                    until,
                    tuple(p.score for p in last),
                    threshold,
                )
            )
    return resting


def _last_posts_of_recent_topics(
    posts: Sequence[ScoredPost], as_of: dt.date
) -> dict[str, list[ScoredPost]]:
    """Each topic's last `STREAK` posts (oldest first), walking back from the newest post, of
    the topics posted in the last `RESTING_DAYS`: an older topic's rest has ended already. The
    walk stops once every such topic has its streak, so a day's cost does not grow with the
    horizon behind it."""
    cutoff = as_of - dt.timedelta(days=RESTING_DAYS)
    newest_first: dict[str, list[ScoredPost]] = {}
    short = 0  # topics found with fewer than STREAK posts so far
    for post in reversed(posts):
        if post.published_on <= cutoff and short == 0:
            break
        topic = post.options.get("topic_bucket")
        if topic is None:
            continue
        found = newest_first.get(topic)
        if found is None:
            if post.published_on <= cutoff:
                continue
            found = newest_first[topic] = []
            short += 1
        if len(found) < STREAK:
            found.append(post)
            if len(found) == STREAK:
                short -= 1
    return {topic: found[::-1] for topic, found in newest_first.items()}
