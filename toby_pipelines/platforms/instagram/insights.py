"""Post insights: a fixed metric list per media product type, optional metrics apart.

One unsupported metric fails a whole insights request (error code 100), so the metrics every
product type has are asked in one call and the ones that may be missing in a second call whose
failure costs only those. The deprecated `plays`, `impressions` and `video_views` are never
asked. Data Instagram will not give (empty `data`, `(#10) Not enough viewers`) is None, not 0:
a post nobody saw yet and a post whose numbers are hidden are different things. A reel's watch
time (average per play and total, milliseconds) is stored with its snapshot; a deleted media
raises `MediaGoneError`, never "unsupported metric".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toby_pipelines.platforms.api_errors import (
    MediaGoneError,
    PermanentApiError,
    TransientApiError,
)
from toby_pipelines.platforms.instagram.graph_client import GraphClient
from toby_pipelines.platforms.instagram.graph_errors import (
    NOT_ENOUGH_VIEWERS_CODE,
    SERVICE,
    UNSUPPORTED_PARAMETER_CODE,
)

CORE_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
OPTIONAL_METRICS: dict[str, tuple[str, ...]] = {
    "REELS": ("ig_reels_avg_watch_time", "ig_reels_video_view_total_time"),
    "FEED": ("follows", "profile_visits"),
}
# Snapshot columns from Instagram's metric names; `follows` exists for feed posts only.
SNAPSHOT_FIELDS = {
    "views": "views",
    "reach": "reach",
    "likes": "likes",
    "comments": "comments",
    "saved": "saves",
    "shares": "shares",
    "follows": "follows",
    "ig_reels_avg_watch_time": "avg_watch_time_ms",
    "ig_reels_video_view_total_time": "total_watch_time_ms",
}

InsightValues = dict[str, int | float | None]


def metric_list(media_product_type: str) -> tuple[str, ...]:
    """Every metric asked of a media product type (REELS, or FEED for images and carousels)."""
    if media_product_type not in OPTIONAL_METRICS:
        raise ValueError(
            f"media_product_type must be one of {sorted(OPTIONAL_METRICS)}, got {media_product_type!r}"
        )
    return CORE_METRICS + OPTIONAL_METRICS[media_product_type]


def media_insights(client: GraphClient, media_id: str, media_product_type: str) -> InsightValues:
    """Every metric of `metric_list`, None where Instagram has no number for it."""
    optional = metric_list(media_product_type)[len(CORE_METRICS) :]
    values = _insights(client, media_id, CORE_METRICS)
    try:
        values.update(_insights(client, media_id, optional))
    except MediaGoneError:
        raise
    except PermanentApiError as error:
        if error.code != UNSUPPORTED_PARAMETER_CODE:
            raise
        values.update(dict.fromkeys(optional))
    return values


def snapshot_metrics(values: Mapping[str, int | float | None]) -> dict[str, int | None]:
    """Insight values under the snapshot's column names (views, reach, ..., saves, follows, and
    a reel's watch times); a metric not asked of this media type is None."""
    return {
        column: None if values.get(metric) is None else int(values[metric])  # type: ignore[arg-type]
        for metric, column in SNAPSHOT_FIELDS.items()
    }


def _insights(client: GraphClient, media_id: str, metrics: tuple[str, ...]) -> InsightValues:
    try:
        body = client.get(f"{media_id}/insights", {"metric": ",".join(metrics)})
    except PermanentApiError as error:
        if error.code == NOT_ENOUGH_VIEWERS_CODE and not isinstance(error, MediaGoneError):
            return dict.fromkeys(metrics)
        raise
    found: InsightValues = {}
    for entry in body.get("data") or []:
        if isinstance(entry, dict) and entry.get("name") in metrics:
            found[entry["name"]] = _value(media_id, entry)
    return {metric: found.get(metric) for metric in metrics}


def _value(media_id: str, entry: dict[str, Any]) -> int | float | None:
    total = entry.get("total_value")
    if isinstance(total, dict) and "value" in total:
        raw = total["value"]
    else:
        values = entry.get("values")
        if not values:
            return None
        raw = values[-1].get("value") if isinstance(values[-1], dict) else None
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise TransientApiError(
            SERVICE, f"insights of media {media_id}: {entry.get('name')} is not a number: {raw!r}"
        )
    return raw
