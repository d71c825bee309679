"""Feature flags per user (spec section 11.4): any subsystem can be switched off alone."""

from __future__ import annotations

from collections.abc import Mapping

# What each flag gates; every flag is on unless a user turned it off.
FEATURES = {
    "content_generation": "Toby plans and writes new posts (content_buffer)",
    "auto_publish": "Toby publishes posts when their slot comes (published_posts)",
    "experiments": "experiment slots give untried options their turns (content_buffer)",
    "discovery": "competitors, hashtags and own media are scanned (discovery)",
    "cross_brand_learning": "a brand borrows its user's other brands' evidence (posteriors)",
}


def checked_features(changes: Mapping[str, object]) -> dict[str, bool]:
    """Flag changes as {flag: on}, or ValueError naming the first unknown flag or bad value."""
    checked = {}
    for name, value in changes.items():
        if name not in FEATURES:
            raise ValueError(f"features.{name}: not a feature flag ({', '.join(FEATURES)})")
        if not isinstance(value, bool):
            raise ValueError(f"features.{name} must be true or false, got {value!r}")
        checked[name] = value
    return checked


def effective(stored: Mapping[str, bool]) -> dict[str, bool]:
    """Every flag's value: what is stored, else on."""
    return {name: bool(stored.get(name, True)) for name in FEATURES}
