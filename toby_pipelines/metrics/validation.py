"""Validation of platform-reported metrics: every field present, and a non-negative whole number
or None. None means the platform has no number for it (Instagram's "not enough viewers", a reel's
follows): unknown, which is not 0."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

METRIC_FIELDS = ("views", "reach", "likes", "comments", "saves", "shares", "follows")
# Reported by some platforms for some media (a reel's watch time); absent means unknown.
OPTIONAL_FIELDS = ("avg_watch_time_ms", "total_watch_time_ms")
# No post has ever had a trillion of anything: such a number is a platform's or a parser's error.
ABSURD_COUNT = 10**12


@dataclass(frozen=True)
class PostMetrics:
    views: int | None
    reach: int | None
    likes: int | None
    comments: int | None
    saves: int | None
    shares: int | None
    follows: int | None
    avg_watch_time_ms: int | None = field(default=None, kw_only=True)
    total_watch_time_ms: int | None = field(default=None, kw_only=True)


class MetricsValidationError(ValueError):
    """Raised with every bad row of a batch, so one run reports all that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} invalid metric value(s): {shown}{more}")


def _as_count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def metric_problems(post_id: str, raw: Mapping[str, Any]) -> list[str]:
    """What is wrong with one post's metrics, each naming the post id, the field and the value."""
    problems = []
    for name in (*METRIC_FIELDS, *OPTIONAL_FIELDS):
        if name not in raw:
            if name in METRIC_FIELDS:
                problems.append(f"post {post_id}: field '{name}' is missing")
            continue
        if raw[name] is None:
            continue
        count = _as_count(raw[name])
        if count is None:
            problems.append(f"post {post_id}: field '{name}' is not a whole number: {raw[name]!r}")
        elif count < 0:
            problems.append(f"post {post_id}: field '{name}' is negative: {raw[name]!r}")
        elif count >= ABSURD_COUNT:
            problems.append(f"post {post_id}: field '{name}' is absurdly large: {raw[name]!r}")
    return problems


def parse_metrics(post_id: str, raw: Mapping[str, Any]) -> PostMetrics:
    problems = metric_problems(post_id, raw)
    if problems:
        raise MetricsValidationError(problems)
    return PostMetrics(
        **{
            name: None if raw.get(name) is None else _as_count(raw[name])
            for name in (*METRIC_FIELDS, *OPTIONAL_FIELDS)
        }
    )
