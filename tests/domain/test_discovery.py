"""Discovery's cadence (seed 000 section 5.7) and what makes a topic trend.

Protects the seed's intervals (own 6h, competitors 8h, hashtags 12h, all 20 minutes in the
bootstrap week) and that only a topic repeated among the most-liked findings counts as trending,
not one lucky post."""

import datetime as dt

import pytest

from toby_pipelines.discovery.cadence import Scan, due_scans
from toby_pipelines.discovery.trends import topic_of, trending_topics

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
OWN, RIVAL, TAG = (
    Scan("b", "own", "b"),
    Scan("b", "competitor", "rival"),
    Scan("b", "hashtag", "sleep"),
)


@pytest.mark.parametrize(
    ("phase", "hours_ago", "due"),
    [
        ("optimizing", 5.9, set()),
        ("optimizing", 6.0, {OWN}),
        ("optimizing", 8.0, {OWN, RIVAL}),
        ("learning", 12.0, {OWN, RIVAL, TAG}),
        ("bootstrap", 0.2, set()),
        ("bootstrap", 1 / 3, {OWN, RIVAL, TAG}),
    ],
)
def test_scans_fall_due_on_the_seeds_cadence(phase, hours_ago, due):
    last = dict.fromkeys((OWN, RIVAL, TAG), NOW - dt.timedelta(hours=hours_ago))
    assert set(due_scans([OWN, RIVAL, TAG], last, {"b": phase}, NOW)) == due


def test_never_scanned_is_due_first():
    last = {OWN: NOW - dt.timedelta(hours=7)}
    assert due_scans([OWN, RIVAL], last, {"b": "optimizing"}, NOW) == [RIVAL, OWN]


def test_topic_of_matches_the_brands_buckets_by_word_stem():
    topics = ["sleep", "gut_health"]
    assert topic_of("How sleeping badly wrecks your day", topics) == "sleep"
    assert topic_of("Gut healthy snacks", topics) == "gut_health"
    assert topic_of("Crypto tips", topics) is None


def test_a_topic_trends_only_when_it_repeats_among_the_most_liked():
    findings = [("Sleep hack", 9000), ("Sleep routine", 8000), ("gut health tip", 7000)]
    findings += [("random post", 10) for _ in range(12)]
    assert trending_topics(findings, ["sleep", "gut_health"]) == ["sleep"]
    assert trending_topics([("Sleep hack", 9000), *findings[3:]], ["sleep"]) == []
