"""The request a content generator answers and the post it returns."""

from __future__ import annotations

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


@dataclass(frozen=True)
class GeneratedPost:
    title: str
    caption: str
    content_lines: tuple[str, ...]
