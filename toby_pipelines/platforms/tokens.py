"""Per-brand access tokens from the environment: one variable per brand and platform, so one
brand's token can never act for another. Read when first needed; never stored in config,
metadata, logs or the database."""

from __future__ import annotations

import os
import re

from toby_pipelines.platforms.api_errors import PermanentApiError


def token_variable(prefix: str, brand_id: str) -> str:
    """The prefix and the brand id in upper case with every other character as "_"
    (TOBY_INSTAGRAM_TOKEN_ and brand "glow-daily": TOBY_INSTAGRAM_TOKEN_GLOW_DAILY)."""
    return prefix + re.sub(r"[^A-Z0-9]", "_", brand_id.upper())


def environment_token(service: str, prefix: str, brand_id: str) -> str:
    name = token_variable(prefix, brand_id)
    token = os.environ.get(name, "")
    if not token:
        raise PermanentApiError(service, f"brand {brand_id!r} has no token: set {name}")
    return token
