"""Bad platform metrics are rejected per row, naming the post id and the field; a metric the
platform reports as unavailable (None) is kept as unknown, never turned into 0."""

import pytest

from toby_pipelines.metrics.validation import MetricsValidationError, metric_problems, parse_metrics

GOOD = {"views": 10, "reach": 8, "likes": 1, "comments": 0, "saves": 0, "shares": 0, "follows": 0}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"views": -1}, "post p1: field 'views' is negative: -1"),
        ({"likes": "lots"}, "post p1: field 'likes' is not a whole number: 'lots'"),
        ({"shares": 2.5}, "post p1: field 'shares' is not a whole number: 2.5"),
        ({"follows": True}, "post p1: field 'follows' is not a whole number: True"),
        ({"views": 10**13}, "post p1: field 'views' is absurdly large: 10000000000000"),
        ({"avg_watch_time_ms": -4}, "post p1: field 'avg_watch_time_ms' is negative: -4"),
    ],
)
def test_problem_names_post_and_field(change, expected):
    assert metric_problems("p1", {**GOOD, **change}) == [expected]


def test_every_problem_is_reported():
    with pytest.raises(MetricsValidationError) as error:
        parse_metrics("p2", {"views": -3})
    assert len(error.value.problems) == 7


def test_numeric_strings_and_whole_floats_are_counts():
    metrics = parse_metrics("p3", {**GOOD, "views": "12", "reach": 9.0})
    assert (metrics.views, metrics.reach) == (12, 9)


def test_a_missing_field_is_a_problem_but_an_unavailable_one_is_unknown():
    without_saves = {k: v for k, v in GOOD.items() if k != "saves"}
    assert metric_problems("p1", without_saves) == ["post p1: field 'saves' is missing"]
    metrics = parse_metrics("p4", {**GOOD, "follows": None, "views": None})
    assert (metrics.follows, metrics.views, metrics.reach) == (None, None, 8)
