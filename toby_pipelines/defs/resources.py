"""The shared resources, picked by environment: embedded defaults unless configured otherwise."""

from __future__ import annotations

import os

import dagster as dg

from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.content_generator import TemplateContentGeneratorResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import SimulatedPlatformResource
from toby_pipelines.storage.database import default_database_url


def database_resource() -> TobyDatabaseResource:
    # The URL may carry a password: hand Dagster the variable's name, never its value.
    if os.environ.get("TOBY_DATABASE_URL"):
        return TobyDatabaseResource(url=dg.EnvVar("TOBY_DATABASE_URL"))
    return TobyDatabaseResource(url=default_database_url())


def default_resources(database: TobyDatabaseResource | None = None, **overrides: object) -> dict:
    database = database or database_resource()
    resources = {
        "database": database,
        "clock": ClockResource(),
        "platform": SimulatedPlatformResource(database=database),
        "content_generator": TemplateContentGeneratorResource(),
    }
    resources.update(overrides)
    return resources


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
