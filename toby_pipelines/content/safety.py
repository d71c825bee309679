"""The content gates every generated post passes before it is scheduled.

Medical safety (seed 003 section 2.2): risky health claims (cures, guarantees, doses, advice
to stop a treatment) are named so the post can be rewritten; after two rewrites a post that
still makes one is discarded. Niche-lock (seed 000): a post that mentions nothing of the
brand's niche or the chosen topic is outside the Content DNA and rejected.
"""

from __future__ import annotations

import re

from toby_pipelines.content.content_dna import ContentDNA
from toby_pipelines.content.generated_post import GeneratedPost

MAX_REWRITES = 2
_RISKY = (
    (
        "cure claim",
        re.compile(
            r"\b(?:cures|cured|curing)\b|\b(?:will|can|to|that|it) cure\b"
            r"|\bcure (?:your|you|it|any|all|every)\b|\bheals? (?:any|all|every)\b",
            re.I,
        ),
    ),
    (
        "guarantee",
        re.compile(
            r"\b(guarantee[sd]?|never fails|100\s?%\s(?:effective|safe|proven|natural cure))\b",
            re.I,
        ),
    ),
    ("dosage", re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|iu|ml|milligrams?|grams?)\b", re.I)),
    ("dosage", re.compile(r"\btake \d+ (?:pills?|capsules?|tablets?|drops?|doses?)\b", re.I)),
    (
        "stop-treatment advice",
        re.compile(
            r"\b(?:stop|quit|skip) (?:taking )?(?:your )?(?:medication|meds|medicine|insulin|treatment)\b"
            r"|\binstead of (?:your )?(?:medication|medicine|doctor)\b",
            re.I,
        ),
    ),
)
_WORD = re.compile(r"[a-z]{3,}")
_STOPWORDS = frozenset({"the", "and", "for", "with", "your", "you", "are", "how", "why", "what"})
_STEM = 5


def _text(post: GeneratedPost) -> str:
    return " ".join((post.title, post.caption, *post.content_lines))


def safety_problems(post: GeneratedPost) -> list[str]:
    """Each risky claim in the post, as "<kind>: '<words>'"."""
    text = _text(post)
    problems = []
    for kind, pattern in _RISKY:
        for match in pattern.finditer(text):
            problems.append(f"{kind}: {match.group(0)!r}")
    return problems


def niche_problems(post: GeneratedPost, dna: ContentDNA, topic_bucket: str) -> list[str]:
    """Empty when the post mentions the brand's niche or the chosen topic (by word stem)."""
    keywords = {
        word[:_STEM]
        for phrase in (dna.niche, topic_bucket.replace("_", " "), *dna.topic_buckets)
        for word in _WORD.findall(phrase.lower())
        if word not in _STOPWORDS
    }
    words = {word[:_STEM] for word in _WORD.findall(_text(post).lower())}
    if keywords & words:
        return []
    return [f"off-niche: mentions none of {sorted(keywords)}"]
