"""The request a content generator answers and the post it returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from toby_pipelines.content.content_dna import ContentDNA


@dataclass(frozen=True)
class GenerationRequest:
    brand_name: str
    content_type: str
    dna: ContentDNA
    personality: str
    topic_bucket: str
    hook_strategy: str
    title_format: str
    visual_style: str
    # Who and when, for the AI budget and usage records; the template generator ignores them.
    user_id: str = ""
    brand_id: str = ""
    slot_at: dt.datetime | None = None
    requested_at: dt.datetime | None = None
    # The brand's titles of the last weeks: a new post should not repeat one.
    avoid_titles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GeneratedPost:
    title: str
    caption: str
    content_lines: tuple[str, ...]
    # Where the text came from: "llm", "llm_similar" (the LLM asked for a post like the brand's
    # best past one, seed 000 section 5.6 safe fallback) or "template".
    source: str = "template"
