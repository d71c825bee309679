"""What each platform accepts as a caption, checked before anything is sent: a post that breaks a
limit fails at once with the limit named, instead of after a container or a refused call.

Instagram: 2,200 characters, 30 hashtags, 20 @-mentions. X: 280 characters (a URL counts 23, as
X's own counting does)."""

from __future__ import annotations

import re

from toby_pipelines.platforms.x.tweets import MAX_TWEET_CHARS

HASHTAG = re.compile(r"(?<![\w#])#\w+")
MENTION = re.compile(r"(?<![\w@])@\w+")
URL = re.compile(r"https?://\S+")
X_URL_LENGTH = 23

LIMITS = {
    "instagram": {"characters": 2200, "hashtags": 30, "mentions": 20},
    "x": {"characters": MAX_TWEET_CHARS},
}


def caption_problems(platform: str, caption: str) -> list[str]:
    """Every limit of `platform` the caption breaks, each naming the limit and the count."""
    limits = LIMITS.get(platform)
    if limits is None:
        return []
    length = len(caption)
    if platform == "x":
        length = len(URL.sub("u" * X_URL_LENGTH, caption))
    counts = {
        "characters": length,
        "hashtags": len(HASHTAG.findall(caption)),
        "mentions": len(MENTION.findall(caption)),
    }
    return [
        f"caption has {counts[name]} {name}, over {platform}'s limit of {limit}"
        for name, limit in limits.items()
        if counts[name] > limit
    ]
