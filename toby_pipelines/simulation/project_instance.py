"""Putting a simulation's materializations where `make dev` looks: the project's Dagster
instance (DAGSTER_HOME).

A simulation runs on an in-memory instance: a SQLite-backed one nearly doubles the demo's time
(every run's step events written to disk; 78 s against 138 s for a 7-day demo here). Only what
the UI shows of assets is copied afterwards: every materialization, with its partition and
metadata, reported to the project's instance as a runless event. The UI's partition bars and
each partition's metadata then hold the simulated days; the runs themselves are not copied."""

from __future__ import annotations

import os
from collections.abc import Iterable

import dagster as dg

PAGE = 1000


def project_instance() -> dg.DagsterInstance | None:
    """The project's instance when DAGSTER_HOME names one, else None."""
    if not os.environ.get("DAGSTER_HOME"):
        return None
    return dg.DagsterInstance.get()


def copy_materializations(
    source: dg.DagsterInstance, target: dg.DagsterInstance, asset_keys: Iterable[dg.AssetKey]
) -> int:
    """Report every materialization of `asset_keys` in `source` to `target`, oldest first;
    how many."""
    copied = 0
    for key in asset_keys:
        cursor = None
        while True:
            page = source.fetch_materializations(key, limit=PAGE, cursor=cursor, ascending=True)
            for record in page.records:
                event = record.asset_materialization
                if event is None:
                    continue
                target.report_runless_asset_event(
                    dg.AssetMaterialization(
                        asset_key=event.asset_key,
                        partition=event.partition,
                        metadata=event.metadata,
                        description=event.description,
                    )
                )
                copied += 1
            if not page.has_more:
                break
            cursor = page.cursor
    return copied
