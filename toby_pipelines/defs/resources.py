"""The shared resources, picked by environment: embedded defaults unless configured otherwise."""

from __future__ import annotations

import os

import dagster as dg

from toby_pipelines.content.llm_client import DEFAULT_BASE_URL as DEFAULT_LLM_BASE_URL
from toby_pipelines.credentials.refresh import INSTAGRAM_REFRESH_URL
from toby_pipelines.platforms.instagram.graph_client import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from toby_pipelines.platforms.x.x_client import DEFAULT_BASE_URL as DEFAULT_X_BASE_URL
from toby_pipelines.resources.alerts import AlertsResource
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.content_generator import (
    ContentGeneratorResource,
    LlmContentGeneratorResource,
    TemplateContentGeneratorResource,
)
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.live_platforms import LIVE_PLATFORMS, LivePlatformsResource
from toby_pipelines.resources.media import DEFAULT_BASE_URL as DEFAULT_MEDIA_URL
from toby_pipelines.resources.media import MediaResource
from toby_pipelines.resources.platform import PlatformResource, SimulatedPlatformResource
from toby_pipelines.storage.database import default_database_url


def database_resource() -> TobyDatabaseResource:
    # The URL may carry a password: hand Dagster the variable's name, never its value.
    if os.environ.get("TOBY_DATABASE_URL"):
        return TobyDatabaseResource(url=dg.EnvVar("TOBY_DATABASE_URL"))
    return TobyDatabaseResource(url=default_database_url())


PLATFORMS = ("simulated", "live", *LIVE_PLATFORMS)


def platform_resource(database: TobyDatabaseResource) -> PlatformResource:
    """TOBY_PLATFORM picks where posts go: the simulated platform (default), or live platforms,
    each brand's posts to its own account's platform: `live` serves Instagram and X brands
    together, `instagram` or `x` only that one."""
    choice = os.environ.get("TOBY_PLATFORM", "simulated").strip().lower()
    if choice not in PLATFORMS:
        raise ValueError(f"TOBY_PLATFORM must be one of {PLATFORMS}, got {choice!r}")
    if choice == "simulated":
        return SimulatedPlatformResource(database=database)
    secret = "TOBY_X_CLIENT_SECRET"
    return LivePlatformsResource(
        database=database,
        platforms=list(LIVE_PLATFORMS) if choice == "live" else [choice],
        instagram_base_url=os.environ.get("TOBY_INSTAGRAM_BASE_URL", DEFAULT_BASE_URL),
        instagram_api_version=os.environ.get("TOBY_INSTAGRAM_API_VERSION", DEFAULT_API_VERSION),
        instagram_refresh_url=os.environ.get("TOBY_INSTAGRAM_REFRESH_URL", INSTAGRAM_REFRESH_URL),
        x_base_url=os.environ.get("TOBY_X_BASE_URL", DEFAULT_X_BASE_URL),
        x_client_id=os.environ.get("TOBY_X_CLIENT_ID") or None,
        x_client_secret=dg.EnvVar(secret) if os.environ.get(secret) else None,
    )


GENERATORS = ("template", "llm")


def _price(name: str) -> float:
    raw = os.environ.get(name, "")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"{name} must be a price in US dollars per million tokens, got {raw!r}"
        ) from None
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {raw!r}")
    return value


def content_generator_resource(database: TobyDatabaseResource) -> ContentGeneratorResource:
    """TOBY_CONTENT_GENERATOR picks who writes posts: templates (default) or an LLM."""
    choice = os.environ.get("TOBY_CONTENT_GENERATOR", "template").strip().lower()
    if choice == "llm":
        return LlmContentGeneratorResource(
            database=database,
            api_key=dg.EnvVar("TOBY_LLM_API_KEY"),
            model=dg.EnvVar("TOBY_LLM_MODEL"),
            base_url=os.environ.get("TOBY_LLM_BASE_URL", DEFAULT_LLM_BASE_URL),
            price_input_per_million=_price("TOBY_LLM_PRICE_INPUT_PER_MILLION"),
            price_output_per_million=_price("TOBY_LLM_PRICE_OUTPUT_PER_MILLION"),
        )
    if choice != "template":
        raise ValueError(f"TOBY_CONTENT_GENERATOR must be one of {GENERATORS}, got {choice!r}")
    return TemplateContentGeneratorResource()


def media_resource() -> MediaResource:
    """TOBY_MEDIA_STORE picks where rendered media are hosted: a local directory (default,
    served by `make dev` at TOBY_MEDIA_BASE_URL) or s3 (TOBY_MEDIA_BUCKET, TOBY_MEDIA_ENDPOINT_URL,
    TOBY_MEDIA_PUBLIC_BASE_URL; AWS credentials from boto3's usual variables)."""
    return MediaResource(
        store=os.environ.get("TOBY_MEDIA_STORE", "local").strip().lower(),
        base_url=os.environ.get("TOBY_MEDIA_BASE_URL", DEFAULT_MEDIA_URL),
        bucket=os.environ.get("TOBY_MEDIA_BUCKET") or None,
        endpoint_url=os.environ.get("TOBY_MEDIA_ENDPOINT_URL") or None,
        region=os.environ.get("AWS_REGION") or None,
        public_base_url=os.environ.get("TOBY_MEDIA_PUBLIC_BASE_URL") or None,
        image_base_url=os.environ.get("TOBY_IMAGE_BASE_URL") or None,
        image_model=os.environ.get("TOBY_IMAGE_MODEL") or None,
        # The key is a secret: Dagster gets the variable's name, never its value.
        image_api_key=dg.EnvVar("TOBY_IMAGE_API_KEY")
        if os.environ.get("TOBY_IMAGE_API_KEY")
        else None,
        image_price_usd=float(os.environ.get("TOBY_IMAGE_PRICE_USD") or 0),
    )


def default_resources(database: TobyDatabaseResource | None = None, **overrides: object) -> dict:
    database = database or database_resource()
    resources = {
        "database": database,
        "clock": ClockResource(),
        "platform": platform_resource(database),
        "content_generator": content_generator_resource(database),
        "media": media_resource(),
        # The webhook URL is a secret: Dagster gets the variable's name, never its value.
        "alerts": AlertsResource(webhook_url=dg.EnvVar("TOBY_ALERT_WEBHOOK_URL"))
        if os.environ.get("TOBY_ALERT_WEBHOOK_URL")
        else AlertsResource(),
    }
    resources.update(overrides)
    return resources


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
