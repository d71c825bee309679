"""What discovery findings say about a brand's topics: which of its topic buckets the most-liked
posts found are about. A topic trending outside is a reason to test it again now rather than at
the next scheduled retest (see `loop.learn`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

STEM = 5
TOP_SHARE = 0.2  # the most-liked fifth of the findings
MIN_MENTIONS = 2


def topic_of(caption: str | None, topics: Sequence[str]) -> str | None:
    """The first of the brand's topic buckets the caption mentions (by word stem)."""
    if not caption:
        return None
    words = {w[:STEM] for w in re.findall(r"[a-z]{3,}", caption.lower())}
    for topic in topics:
        stems = {w[:STEM] for w in re.findall(r"[a-z]{3,}", topic.replace("_", " ").lower())}
        if stems and stems <= words:
            return topic
    return None


def trending_topics(
    findings: Iterable[tuple[str | None, int | None]], topics: Sequence[str]
) -> list[str]:
    """Topics mentioned at least MIN_MENTIONS times among the top TOP_SHARE of findings by likes.
    `findings` are (caption, like count)."""
    ranked = sorted(
        ((caption, likes) for caption, likes in findings if likes is not None),
        key=lambda item: item[1],
        reverse=True,
    )
    top = ranked[: max(1, int(len(ranked) * TOP_SHARE))] if ranked else []
    counts: dict[str, int] = {}
    for caption, _ in top:
        topic = topic_of(caption, topics)
        if topic is not None:
            counts[topic] = counts.get(topic, 0) + 1
    return sorted(t for t, n in counts.items() if n >= MIN_MENTIONS)
