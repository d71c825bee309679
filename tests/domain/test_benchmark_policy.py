"""The benchmark's Toby learns from what the asset learns from: the last 90 days of scores, and
change detectors carried from day to day."""

import numpy as np

from toby_pipelines.benchmark import policies
from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.posteriors import LEARNING_HORIZON_DAYS

POOLS = {"b1": {"personality": ("story", "data"), "topic_bucket": ("sleep", "gut")}}


def test_the_benchmark_policy_reads_only_the_learning_horizon(monkeypatch):
    seen: list[list[ScoredPost]] = []
    real = policies.user_streams

    def spy(profiles, scores, today, *args, **kwargs):
        seen.append(list(scores))
        return real(profiles, scores, today, *args, **kwargs)

    monkeypatch.setattr(policies, "user_streams", spy)
    toby = policies.Toby(POOLS, np.random.default_rng(0))
    for day in range(120):
        arrived = [
            ScoredPost(f"p{day}", "b1", policies.CONTENT_TYPE, "7d", 60.0,
                       {"personality": "story", "topic_bucket": "sleep"}, policies.day_date(day))
        ]  # fmt: skip
        toby.morning(day, arrived)
    last = seen[-1]
    assert len(last) == LEARNING_HORIZON_DAYS
    assert min(p.published_on for p in last) == policies.day_date(120 - LEARNING_HORIZON_DAYS)
    # Its change detector went on from day to day: it has judged every final score since the
    # first, not only the horizon's.
    assert toby.detectors[("b1", policies.CONTENT_TYPE)].brand[0] == 120
