"""The prompts Toby sends an LLM, and reading its JSON answer back into a post.

The system prompt carries the personality's modifier (seed 000 section 9.1), the brand's
Content DNA and an example of the JSON shape, which is what makes `response_format:
json_object` reliable."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from toby_pipelines.content.generated_post import GeneratedPost, GenerationRequest
from toby_pipelines.strategy.dimensions import PERSONALITY_PROMPTS

LINES = {"reel": 4, "carousel": 6}
SHAPE_EXAMPLE = {
    "title": "3 Sleep Myths Keeping You Tired",
    "caption": "Most sleep advice is outdated. Here is what the research says... #sleep",
    "content_lines": ["Myth 1: ...", "Truth: ...", "Try this tonight: ..."],
}


def system_prompt(request: GenerationRequest) -> str:
    personality = PERSONALITY_PROMPTS.get(request.content_type, {}).get(request.personality, "")
    dna = request.dna
    return (
        f"{personality}\n"
        f"You write {request.content_type}s for the brand {request.brand_name}: niche {dna.niche},"
        f" tone {dna.tone}. Stay inside the niche and these topics: {', '.join(dna.topic_buckets)}."
        f" Posts like these fit the brand: {' | '.join(dna.content_examples[:3])}.\n"
        "Never promise cures or guaranteed results, never give doses or tell anyone to stop a"
        " treatment; suggest asking a professional instead.\n"
        "Reply with one JSON object shaped exactly like this example:\n"
        f"{json.dumps(SHAPE_EXAMPLE)}"
    )


def user_prompt(request: GenerationRequest, similar_to: str | None = None) -> str:
    topic = request.topic_bucket.replace("_", " ")
    prompt = (
        f"Write one {request.content_type} about {topic}."
        f" Hook strategy: {request.hook_strategy.replace('_', ' ')}."
        f" Title format: {request.title_format.replace('_', ' ')}."
        f" Visual style: {request.visual_style.replace('_', ' ')}."
        f" Give {LINES.get(request.content_type, 4)} content lines."
    )
    if similar_to:
        prompt += f" Make it similar to: {similar_to}"
    return prompt


def rewrite_prompt(post: GeneratedPost, problems: list[str]) -> str:
    return (
        "Rewrite this post so that it keeps its message but makes none of these claims: "
        + "; ".join(problems)
        + ". Reply with the same JSON shape.\n"
        + json.dumps(
            {
                "title": post.title,
                "caption": post.caption,
                "content_lines": list(post.content_lines),
            }
        )
    )


def read_post(content: Mapping[str, Any], source: str) -> GeneratedPost:
    """The post in the model's JSON; ValueError naming the field when the shape is wrong."""
    title, caption, lines = (
        content.get("title"),
        content.get("caption"),
        content.get("content_lines"),
    )
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"field 'title' must be a non-empty string, got {title!r}")
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError(f"field 'caption' must be a non-empty string, got {caption!r}")
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) for x in lines):
        raise ValueError(f"field 'content_lines' must be a list of strings, got {lines!r}")
    return GeneratedPost(
        title.strip(), caption.strip(), tuple(x.strip() for x in lines if x.strip()), source
    )
