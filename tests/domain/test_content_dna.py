"""Toby refuses empty or invalid Content DNA with a message naming the field (seed section 13)."""

import re

import pytest

from toby_pipelines.content.content_dna import InvalidContentDNA, validate_content_dna

GOOD = {"niche": "health", "tone": "calm", "topic_buckets": ["sleep"], "content_examples": ["x"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"niche": ""}, "niche"),
        ({"niche": None}, "niche"),
        ({"tone": "   "}, "tone"),
        ({"topic_buckets": []}, "topic_buckets"),
        ({"topic_buckets": "sleep"}, "topic_buckets"),
        ({"topic_buckets": ["sleep", ""]}, "topic_buckets[1]"),
        ({"content_examples": []}, "content_examples"),
    ],
)
def test_invalid_dna_names_the_field(change, field):
    with pytest.raises(InvalidContentDNA, match=re.escape(f"'{field}'")):
        validate_content_dna("Brand", {**GOOD, **change})


def test_missing_field_is_named():
    raw = dict(GOOD)
    del raw["tone"]
    with pytest.raises(InvalidContentDNA, match="'tone' is missing"):
        validate_content_dna("Brand", raw)


def test_valid_dna():
    dna = validate_content_dna("Brand", GOOD)
    assert dna.topic_buckets == ("sleep",)
