"""How many posts a first experiment asks of each option: 5 up to five options, fewer beyond, so
an experiment costs at most EXPERIMENT_POSTS posts (issue 12: eight Facebook formats at 5 each
were 40 forced posts, most on formats plain Thompson sampling drops after two)."""

from __future__ import annotations

import datetime as dt

import pytest

from toby_pipelines.benchmark.tunables import overridden
from toby_pipelines.strategy.experiments import (
    EXPERIMENT_MIN_EACH,
    EXPERIMENT_POSTS,
    MIN_SAMPLES,
    RETEST_AFTER_DAYS,
    RETEST_MIN_SAMPLES,
    Experiment,
    advance,
)

DAY = dt.date(2026, 5, 1)


def _started(options: tuple[str, ...], current: Experiment | None = None, day=DAY) -> Experiment:
    return advance(
        current, brand_id="b1", content_type="reel", dimension="post_format", options=options,
        day=day, posts=[], posteriors={},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("count", "each"), [(2, 5), (5, 5), (6, 4), (8, 3), (10, 2), (12, 2), (20, 2)]
)
def test_a_first_experiment_asks_at_most_its_budget_and_at_least_two_of_each(count, each):
    options = tuple(f"format_{i}" for i in range(count))
    experiment = _started(options)
    assert experiment.min_samples == each
    assert (EXPERIMENT_POSTS, EXPERIMENT_MIN_EACH, MIN_SAMPLES) == (25, 2, 5)
    assert each * count <= EXPERIMENT_POSTS or each == EXPERIMENT_MIN_EACH


def test_a_retest_asks_its_one_post_whatever_the_pool():
    options = tuple(f"format_{i}" for i in range(8))
    done = Experiment(
        "b1", "reel", "post_format", options, DAY, status="completed", winner="format_0",
        completed_on=DAY, min_samples=3,
    )  # fmt: skip
    retest = _started(options, done, DAY + dt.timedelta(days=RETEST_AFTER_DAYS))
    assert retest.started_on > DAY and retest.min_samples == RETEST_MIN_SAMPLES


def test_without_a_budget_every_option_gets_five_as_before():
    options = tuple(f"format_{i}" for i in range(8))
    with overridden({"experiment_posts": 0}):
        assert _started(options).min_samples == MIN_SAMPLES
