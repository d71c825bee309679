"""The strategy dimensions Toby learns, separately for reels and carousels, and their options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

CONTENT_TYPES = ("reel", "carousel")
DIMENSIONS = ("personality", "topic_bucket", "hook_strategy", "title_format", "visual_style")

# Seed 000 section 9.1: the default personality pools, one per content type.
PERSONALITY_PROMPTS: dict[str, dict[str, str]] = {
    "reel": {
        "edu_calm": "You are a calm, knowledgeable health educator. Use clear, evidence-based "
        "language. Avoid hype.",
        "provoc": "You challenge common health myths with surprising facts. Use bold, "
        "attention-grabbing language.",
        "story": "Frame every health tip as a mini-story. Use 'Imagine...', 'What if...', "
        "personal anecdotes.",
        "data": "Lead with specific numbers and statistics. '73% of people...', "
        "'Studies show that...'.",
        "urgent": "Create a sense of urgency around health changes. 'Stop doing this TODAY', "
        "'Your gut is screaming'.",
    },
    "carousel": {
        "deep_edu": "Create thorough, well-structured educational content with clear slide "
        "progression.",
        "myth_bust": "Structure each carousel as debunking a common belief, with evidence on "
        "each slide.",
        "listicle": "Create numbered lists of tips, foods, habits. Each slide = one item.",
        "compare": "'This vs That' format. Compare foods, habits, routines side-by-side.",
        "protocol": "Step-by-step guides and daily protocols. Actionable and specific.",
    },
}

HOOK_STRATEGIES = ("question", "myth_buster", "shocking_stat", "personal_story")
TITLE_FORMATS = ("how_x_does_y", "number_one_mistake", "why_experts_say", "n_things")
VISUAL_STYLES = ("dark_cinematic", "light_clean", "vibrant_bold")


def check_content_type(content_type: str) -> str:
    if content_type not in CONTENT_TYPES:
        raise ValueError(f"content_type must be one of {CONTENT_TYPES}, got {content_type!r}")
    return content_type


def option_pool(dimension: str, content_type: str, topic_buckets: Sequence[str]) -> tuple[str, ...]:
    """The options Toby may choose for one dimension of one content type of one brand."""
    check_content_type(content_type)
    if dimension == "personality":
        return tuple(PERSONALITY_PROMPTS[content_type])
    if dimension == "topic_bucket":
        return tuple(topic_buckets)
    if dimension == "hook_strategy":
        return HOOK_STRATEGIES
    if dimension == "title_format":
        return TITLE_FORMATS
    if dimension == "visual_style":
        return VISUAL_STYLES
    raise ValueError(f"dimension must be one of {DIMENSIONS}, got {dimension!r}")


def option_pools(
    content_type: str,
    topic_buckets: Sequence[str],
    overrides: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Every dimension's options for one content type of a brand, with the brand's overrides."""
    overrides = overrides or {}
    return {
        dim: tuple(overrides[dim])
        if dim in overrides
        else option_pool(dim, content_type, topic_buckets)
        for dim in DIMENSIONS
    }


def check_option_pool(content_type: str, dimension: str, options: Sequence[str]) -> tuple[str, ...]:
    """A valid override: a known dimension, at least one option, no duplicates, and personalities
    Toby has a prompt for."""
    check_content_type(content_type)
    if dimension not in DIMENSIONS:
        raise ValueError(f"option pool dimension must be one of {DIMENSIONS}, got {dimension!r}")
    if isinstance(options, str) or not options:
        raise ValueError(
            f"option pool {content_type}/{dimension} must be a non-empty list, got {options!r}"
        )
    pool = tuple(options)
    bad = [o for o in pool if not isinstance(o, str) or not o.strip()]
    if bad:
        raise ValueError(
            f"option pool {content_type}/{dimension} has empty or non-text options: {bad!r}"
        )
    if len(set(pool)) != len(pool):
        raise ValueError(
            f"option pool {content_type}/{dimension} repeats an option: {list(pool)!r}"
        )
    if dimension == "personality":
        unknown = [o for o in pool if o not in PERSONALITY_PROMPTS[content_type]]
        if unknown:
            raise ValueError(
                f"option pool {content_type}/personality: no prompt for {unknown!r};"
                f" known: {sorted(PERSONALITY_PROMPTS[content_type])}"
            )
    return pool
