"""The embedded content generator: real titles and lines from templates, no API key needed.

It writes from the brand's Content DNA (niche, tone, topic) in the chosen personality, hook and
title format, so every post reads differently for each strategy Toby tries. Each title format
has six phrasings, most with an angle (16) and an outcome (8): hundreds of titles per format
and topic, and a title the
brand already used (`GenerationRequest.avoid_titles`) is not written again while another is
left: X refuses duplicate posts and Instagram demotes them.
"""

from __future__ import annotations

import hashlib

from toby_pipelines.content.generated_post import GeneratedPost, GenerationRequest

_TITLES = {
    "how_x_does_y": (
        "How {topic} Quietly Changes Your {outcome}",
        "How {topic} Shapes Your {outcome} {angle}",
        "How Better {topic} Can Lift Your {outcome} {angle}",
        "How {topic} Connects to Your {outcome} {angle}",
        "How Small {topic} Changes Add Up {angle}",
        "How {topic} Works on Your {outcome}: What to Know {angle}",
    ),
    "number_one_mistake": (
        "The #1 Mistake People Make With {topic}",
        "The #1 {topic} Mistake {angle}",
        "The Biggest {topic} Mistake Hurting Your {outcome} {angle}",
        "Stop Making This {topic} Mistake {angle}",
        "The {topic} Mistake That Costs You {outcome} {angle}",
        "One {topic} Mistake to Drop for Better {outcome} {angle}",
    ),
    "why_experts_say": (
        "Why Experts Say {topic} Matters More Than You Think",
        "Why Experts Put {topic} First {angle}",
        "Why Experts Link {topic} to Your {outcome} {angle}",
        "Why Experts Keep Talking About {topic} {angle}",
        "Why {topic} Matters for Your {outcome} {angle}, According to Experts",
        "Why Experts Rethink {topic} and {outcome} {angle}",
    ),
    "n_things": (
        "{count} Things About {topic} Nobody Told You",
        "{count} {topic} Facts {angle}",
        "{count} Ways {topic} Affects Your {outcome} {angle}",
        "{count} {topic} Habits Worth Trying {angle}",
        "{count} Signs Your {topic} Needs Attention {angle}",
        "{count} Simple {topic} Wins for Better {outcome} {angle}",
    ),
}
_ANGLES = (
    "This Week",
    "After 30",
    "Before Bed",
    "at Work",
    "on Busy Days",
    "in Winter",
    "in Summer",
    "for Beginners",
    "for Parents",
    "for Students",
    "on Weekends",
    "in 5 Minutes",
    "Without Apps",
    "on a Budget",
    "After a Bad Night",
    "Starting Today",
)
_ATTEMPTS = 200
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
_OUTCOMES = ("Energy", "Sleep", "Focus", "Mood", "Digestion", "Recovery", "Stress", "Skin")
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


def _values(seed: str, topic: str) -> dict:
    return {
        "topic": topic,
        "outcome": _pick(seed + "outcome", _OUTCOMES),
        "angle": _pick(seed + "angle", _ANGLES),
        "count": 3 + int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 5,
        "percent": 55 + int(hashlib.sha256((seed + "p").encode()).hexdigest(), 16) % 35,
    }


class TemplateContentGenerator:
    def generate(self, request: GenerationRequest, seed: str) -> GeneratedPost:
        topic = request.topic_bucket.replace("_", " ")
        topic_title = topic.title()
        # The first variant whose title the brand has not used yet (the same seed, the same
        # title, when nothing is to be avoided: a re-run writes the same post).
        for attempt in range(_ATTEMPTS):
            variant = seed if attempt == 0 else f"{seed}#{attempt}"
            values = _values(variant, topic)
            phrasing = _pick(variant + "title", _TITLES[request.title_format])
            title = phrasing.format(**{**values, "topic": topic_title}).strip()
            if title not in request.avoid_titles:
                break
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
