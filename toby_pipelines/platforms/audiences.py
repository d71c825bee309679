"""Simulated audiences: plain functions from a published post to its final 7-day metrics.

An audience has the signature ``audience(post: dict, rng: numpy.random.Generator) -> dict``.
``post`` holds post_id, user_id, brand_id, platform, content_type, published_at (ISO 8601 UTC),
followers and one key per strategy dimension; the result holds views, reach, likes, comments,
saves, shares and follows as non-negative integers.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from toby_pipelines.strategy.dimensions import DIMENSIONS

Audience = Callable[[dict[str, Any], np.random.Generator], dict[str, int]]

# How strongly one option can move an audience, as the standard deviation of its log effect.
OPTION_EFFECT_SD = 0.35
VIEWS_NOISE_SD = 0.45
REACH_PER_FOLLOWER = {"reel": 0.9, "carousel": 0.45}


def option_effect(brand_id: str, content_type: str, dimension: str, option: str) -> float:
    """A fixed, hidden taste of one brand's audience for one option (same every run)."""
    digest = hashlib.sha256(f"{brand_id}|{content_type}|{dimension}|{option}".encode()).digest()
    seed = int.from_bytes(digest[:8], "big")
    return float(np.random.default_rng(seed).normal(0.0, OPTION_EFFECT_SD))


def health_audience(post: dict[str, Any], rng: np.random.Generator) -> dict[str, int]:
    """The default audience: each brand's followers like some options more than others.

    Views are log-normal around followers x a reach rate x the product of the chosen options'
    hidden effects; engagement and follows are binomial draws from the views, also nudged by
    the options, so better strategies earn more views, saves, shares and followers.
    """
    taste = sum(
        option_effect(post["brand_id"], post["content_type"], dim, post[dim])
        for dim in DIMENSIONS
        if dim in post
    )
    expected = max(post["followers"], 100) * REACH_PER_FOLLOWER[post["content_type"]]
    views = int(expected * np.exp(taste + rng.normal(0.0, VIEWS_NOISE_SD)))
    quality = 1.0 / (1.0 + np.exp(-taste))  # 0..1, 0.5 for an average strategy

    def share_of(base: int, rate: float) -> int:
        return int(rng.binomial(max(base, 0), min(1.0, rate)))

    reach = share_of(views, 0.85)
    return {
        "views": views,
        "reach": reach,
        "likes": share_of(views, 0.03 + 0.04 * quality),
        "comments": share_of(views, 0.002 + 0.004 * quality),
        "saves": share_of(views, 0.004 + 0.012 * quality),
        "shares": share_of(views, 0.002 + 0.008 * quality),
        "follows": share_of(views, 0.0008 + 0.004 * quality),
    }


def load_audience(path: str) -> Audience:
    """Import an audience from 'package.module:function'."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"audience must look like 'package.module:function', got {path!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"audience {path!r}: module {module_name!r} cannot be imported ({error}); it must be"
            " installed or importable from the current directory"
        ) from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ValueError(f"audience {path!r} is not a callable")
    return function
