"""The embedded content generator: real titles and lines from templates, no API key needed.

It writes from the brand's Content DNA (niche, tone, topic) in the chosen personality, hook and
title format, so every post reads differently for each strategy Toby tries.
"""

from __future__ import annotations

import hashlib

from toby_pipelines.content.generated_post import GeneratedPost, GenerationRequest

_TITLES = {
    "how_x_does_y": "How {topic} Quietly Changes Your {outcome}",
    "number_one_mistake": "The #1 Mistake People Make With {topic}",
    "why_experts_say": "Why Experts Say {topic} Matters More Than You Think",
    "n_things": "{count} Things About {topic} Nobody Told You",
}
_HOOKS = {
    "question": "Did you know {topic} could be the reason you feel off lately?",
    "myth_buster": "Everyone says {topic} doesn't matter. That's a myth.",
    "shocking_stat": "Roughly {percent}% of people get {topic} wrong every single day.",
    "personal_story": "A year ago I ignored {topic}. Here's what changed when I stopped.",
}
_VOICE = {
    "edu_calm": "Here is what the evidence actually shows.",
    "provoc": "Forget what you heard: the real story is bolder.",
    "story": "Imagine waking up tomorrow and trying this.",
    "data": "The numbers make the case on their own.",
    "urgent": "Start today, not next Monday.",
    "deep_edu": "Let's go through it step by step, slide by slide.",
    "myth_bust": "Each slide takes one belief apart with evidence.",
    "listicle": "One idea per slide, easy to save.",
    "compare": "Side by side, the difference is clear.",
    "protocol": "Follow this routine for seven days.",
}
_OUTCOMES = ("Energy", "Sleep", "Focus", "Mood", "Digestion")
_TIPS = (
    "Start small with {topic} and repeat it daily for a week.",
    "Track one change in {topic} and notice how you feel.",
    "Pair {topic} with a habit you already have.",
    "Ask a professional before changing anything big about {topic}.",
    "Share what worked for you with someone who needs it.",
)


def _pick(seed: str, choices: tuple[str, ...]) -> str:
    digest = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return choices[digest % len(choices)]


class TemplateContentGenerator:
    def generate(self, request: GenerationRequest, seed: str) -> GeneratedPost:
        topic = request.topic_bucket.replace("_", " ")
        topic_title = topic.title()
        values = {
            "topic": topic,
            "outcome": _pick(seed + "outcome", _OUTCOMES),
            "count": 3 + int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 5,
            "percent": 55 + int(hashlib.sha256((seed + "p").encode()).hexdigest(), 16) % 35,
        }
        title = _TITLES[request.title_format].format(**{**values, "topic": topic_title})
        hook = _HOOKS[request.hook_strategy].format(**values)
        lines = [
            hook,
            _VOICE.get(request.personality, ""),
            *[tip.format(**values) for tip in _TIPS[: 3 if request.content_type == "reel" else 5]],
        ]
        example = _pick(seed + "example", request.dna.content_examples)
        caption = (
            f"{title} | {request.dna.niche} for {request.brand_name}, in a {request.dna.tone} voice. "
            f"In the spirit of: {example}. Visual: {request.visual_style.replace('_', ' ')}."
        )
        return GeneratedPost(title, caption, tuple(line for line in lines if line))
