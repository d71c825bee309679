"""The shared resources, picked by environment: embedded defaults unless configured otherwise."""

from __future__ import annotations

import os

import dagster as dg

from toby_pipelines.platforms.instagram.graph_client import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.content_generator import TemplateContentGeneratorResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.instagram import InstagramPlatformResource
from toby_pipelines.resources.platform import PlatformResource, SimulatedPlatformResource
from toby_pipelines.storage.database import default_database_url


def database_resource() -> TobyDatabaseResource:
    # The URL may carry a password: hand Dagster the variable's name, never its value.
    if os.environ.get("TOBY_DATABASE_URL"):
        return TobyDatabaseResource(url=dg.EnvVar("TOBY_DATABASE_URL"))
    return TobyDatabaseResource(url=default_database_url())


PLATFORMS = ("simulated", "instagram")


def platform_resource(database: TobyDatabaseResource) -> PlatformResource:
    """TOBY_PLATFORM picks where posts go: the simulated platform (default) or Instagram."""
    choice = os.environ.get("TOBY_PLATFORM", "simulated").strip().lower()
    if choice == "instagram":
        return InstagramPlatformResource(
            database=database,
            base_url=os.environ.get("TOBY_INSTAGRAM_BASE_URL", DEFAULT_BASE_URL),
            api_version=os.environ.get("TOBY_INSTAGRAM_API_VERSION", DEFAULT_API_VERSION),
        )
    if choice != "simulated":
        raise ValueError(f"TOBY_PLATFORM must be one of {PLATFORMS}, got {choice!r}")
    return SimulatedPlatformResource(database=database)


def default_resources(database: TobyDatabaseResource | None = None, **overrides: object) -> dict:
    database = database or database_resource()
    resources = {
        "database": database,
        "clock": ClockResource(),
        "platform": platform_resource(database),
        "content_generator": TemplateContentGeneratorResource(),
    }
    resources.update(overrides)
    return resources


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
