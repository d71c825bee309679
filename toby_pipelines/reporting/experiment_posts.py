"""How many posts an experiment has of an option, as the owner's views say it."""

from __future__ import annotations

from collections.abc import Mapping


def option_posts(option: str, result: Mapping, min_samples: int) -> str:
    """ "data 2", or "data 2 of 5 (followed up)" while the experiment asks the option more posts
    (`experiments` follow-ups)."""
    text = f"{option} {result.get('count', 0)}"
    if result.get("follow_up"):
        text += f" of {min_samples + result['follow_up']} (followed up)"
    return text
