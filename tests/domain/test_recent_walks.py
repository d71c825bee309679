"""Resting topics and experiment samples read only the recent end of a horizon (issue 11: a day's
cost follows the day's data, not the 90 days behind it), and find exactly what walking every
post finds. The walk-every-post versions are kept here as the reference."""

import datetime as dt
import random
import statistics

import pytest

from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.experiments import Experiment, posts_since, samples_since
from toby_pipelines.strategy.topic_rotation import (
    BASELINE_POSTS,
    RESTING_DAYS,
    STREAK,
    RestingTopic,
    resting_topics,
)

AS_OF = dt.date(2026, 6, 30)
TOPICS = ("sleep", "gut", "stress", "focus", "rare")


def _resting_topics_walking_every_post(posts, as_of):
    if len(posts) < STREAK + 2:
        return []
    recent = [p.score for p in posts[-BASELINE_POSTS:]]
    threshold = statistics.fmean(recent) - statistics.pstdev(recent)
    by_topic = {}
    for post in posts:
        topic = post.options.get("topic_bucket")
        if topic is not None:
            by_topic.setdefault(topic, []).append(post)
    resting = []
    for topic, topic_posts in sorted(by_topic.items()):
        last = topic_posts[-STREAK:]
        if len(last) < STREAK or any(p.score >= threshold for p in last):
            continue
        since = last[-1].published_on
        until = since + dt.timedelta(days=RESTING_DAYS)
        if as_of < until:
            scores = tuple(p.score for p in last)
            resting.append(
                RestingTopic(
                    posts[0].brand_id, posts[0].content_type, topic, since, until, scores, threshold
                )
            )
    return resting


def _horizon(rng: random.Random, days: int, per_day: int) -> list[ScoredPost]:
    """A stream in publishing order where some topics score far below the rest, some stop being
    posted days or weeks ago, and some posts have no topic."""
    weak = set(rng.sample(TOPICS, 2))
    stopped = {t: rng.choice([3, 10, 13, 14, 15, 40]) for t in rng.sample(TOPICS, 2)}
    posts = []
    for back in range(days - 1, -1, -1):
        day = AS_OF - dt.timedelta(days=back)
        for slot in range(per_day):
            topic = rng.choice(TOPICS)
            if back < stopped.get(topic, -1) or (topic == "rare" and rng.random() < 0.9):
                topic = rng.choice(("sleep", "gut"))
            score = rng.gauss(25 if topic in weak else 60, 6)
            options = {"personality": "story"}
            if rng.random() > 0.05:
                options["topic_bucket"] = topic
            posts.append(ScoredPost(f"p{back:03d}-{slot}", "b1", "reel", "7d", score, options, day))
    return posts


@pytest.mark.parametrize("seed", range(100))
def test_resting_topics_equal_walking_every_post(seed):
    rng = random.Random(seed)
    posts = _horizon(rng, rng.choice([1, 2, 5, 20, 90]), rng.choice([1, 3, 6]))
    for as_of in (AS_OF, AS_OF + dt.timedelta(days=rng.choice([1, 7, 13, 14]))):
        assert resting_topics(posts, as_of) == _resting_topics_walking_every_post(posts, as_of)


def test_a_topic_whose_three_misses_are_weeks_apart_still_rests():
    """The newest miss is recent; the two before it are far back in the horizon."""
    old = [AS_OF - dt.timedelta(days=d) for d in (60, 40)]
    posts = [
        ScoredPost(f"o{i}", "b1", "reel", "7d", 20.0, {"topic_bucket": "sleep"}, day)
        for i, day in enumerate(old)
    ]
    posts += [
        ScoredPost(f"g{i}", "b1", "reel", "7d", 60.0 + i % 3, {"topic_bucket": "gut"}, day)
        for i, day in enumerate(AS_OF - dt.timedelta(days=d) for d in range(30, 2, -1))
    ]
    posts.append(ScoredPost("new", "b1", "reel", "7d", 20.0, {"topic_bucket": "sleep"}, AS_OF))
    [rest] = resting_topics(posts, AS_OF)
    assert (rest.topic, rest.scores, rest.since) == ("sleep", (20.0, 20.0, 20.0), AS_OF)
    assert [rest] == _resting_topics_walking_every_post(posts, AS_OF)


@pytest.mark.parametrize("seed", range(20))
def test_an_experiments_samples_from_the_posts_since_it_began_equal_walking_every_post(seed):
    rng = random.Random(seed)
    posts = _horizon(rng, 90, rng.choice([1, 3, 6]))
    for started in (AS_OF - dt.timedelta(days=d) for d in (0, 1, 17, 30, 89, 120)):
        experiment = Experiment("b1", "reel", "topic_bucket", TOPICS, started)
        assert samples_since(posts_since(posts, started), experiment) == samples_since(
            posts, experiment
        )
