"""The medical safety gate, the niche-lock and the budget tiers, table-driven.

Protects the lines a health brand must not cross (cures, guarantees, doses, advice to stop a
treatment) without flagging ordinary health writing, and the seed's tier boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from toby_pipelines.content.budget import budget_tier, is_essential, may_call
from toby_pipelines.content.content_dna import ContentDNA
from toby_pipelines.content.generated_post import GeneratedPost
from toby_pipelines.content.safety import niche_problems, safety_problems

DNA = ContentDNA(
    niche="gut health", tone="friendly", topic_buckets=("sleep", "gut_health"),
    content_examples=("3 foods your gut loves",),
)  # fmt: skip


def post(text: str) -> GeneratedPost:
    return GeneratedPost("A title", text, ("line one",))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("This tea cures bloating for good.", "cure claim"),
        ("This routine will cure your insomnia.", "cure claim"),
        ("Results guaranteed in a week.", "guarantee"),
        ("It never fails.", "guarantee"),
        ("Take 500 mg of magnesium at night.", "dosage"),
        ("Take 2 capsules before bed.", "dosage"),
        ("Stop taking your medication and try this.", "stop-treatment advice"),
        ("Use this instead of your doctor.", "stop-treatment advice"),
    ],
)
def test_risky_claims_are_named(text, kind):
    problems = safety_problems(post(text))
    assert problems and problems[0].startswith(kind)


@pytest.mark.parametrize(
    "text",
    [
        "Fibre feeds the bacteria in your gut. Ask a professional before big changes.",
        "Sleep 7-9 hours; a 10 minute walk after dinner helps digestion.",
        "Researchers are still looking for a cure for IBS.",  # "cure" as a noun, no claim
    ],
)
def test_ordinary_health_writing_passes(text):
    assert safety_problems(post(text)) == []


def test_niche_lock_accepts_the_topic_and_rejects_what_is_off_niche():
    assert niche_problems(post("Why your gut loves fermented food"), DNA, "gut_health") == []
    assert niche_problems(post("Better sleeping starts tonight"), DNA, "sleep") == []
    assert niche_problems(post("Top 5 crypto coins to buy now"), DNA, "sleep")


@pytest.mark.parametrize(
    ("spent", "budget", "tier"),
    [(0.0, None, 1), (0.49, 1.0, 1), (0.5, 1.0, 2), (0.79, 1.0, 2), (0.8, 1.0, 3),
     (0.99, 1.0, 3), (1.0, 1.0, 4), (3.0, 1.0, 4), (0.0, 0.0, 4)],
)  # fmt: skip
def test_budget_tiers(spent, budget, tier):
    assert budget_tier(spent, budget) == tier


def test_only_essential_generation_in_tier_3_and_none_past_the_budget():
    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    soon, later = now + dt.timedelta(hours=20), now + dt.timedelta(hours=40)
    assert is_essential(soon, now) and not is_essential(later, now)
    assert may_call(3, True, 0.85, 1.0, 0.01) and not may_call(3, False, 0.85, 1.0, 0.01)
    assert not may_call(4, True, 1.0, 1.0, 0.0)
    assert not may_call(2, True, 0.6, 1.0, 0.5)  # the call itself would overspend
