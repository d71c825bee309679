"""Audiences that misbehave, plugged into the real simulated platform to test validation."""

from toby_pipelines.platforms.audiences import health_audience


def negative_views_for_carousels(post, rng):
    metrics = health_audience(post, rng)
    if post["content_type"] == "carousel":
        metrics["views"] = -5
    return metrics
