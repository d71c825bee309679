"""The two jobs users run: the 5-minute tick and the daily learning chain."""

import dagster as dg

from toby_pipelines.defs.executors import learning_executor
from toby_pipelines.defs.freshness import FRESHNESS_CHECKS
from toby_pipelines.defs.partitions import learning_partitions

TICK_CONCURRENCY_TAG = "toby/tick"

toby_tick_job = dg.define_asset_job(
    "toby_tick_job",
    # Freshness checks run from their own sensor, not inside every run.
    selection=dg.AssetSelection.assets("content_buffer", "post_media", "published_posts")
    - dg.AssetSelection.checks(*FRESHNESS_CHECKS),
    description="Keep every slot of the next days filled, render what is due soon, then publish"
    " what is due.",
    # dagster.yaml limits runs with this tag to one at a time: ticks never overlap.
    tags={TICK_CONCURRENCY_TAG: "tick"},
)

learning_job = dg.define_asset_job(
    "learning_job",
    selection=dg.AssetSelection.assets(
        "metrics_snapshots", "scored_posts", "brand_baselines", "strategy_posteriors"
    )
    - dg.AssetSelection.checks(*FRESHNESS_CHECKS),
    partitions_def=learning_partitions,
    description="Measure the day's checkpoints, score, update baselines and posteriors, in order"
    " (for one user shard of the day when TOBY_LEARNING_SHARDS is above 1).",
    executor_def=learning_executor(),
)

discovery_job = dg.define_asset_job(
    "discovery_job",
    selection=dg.AssetSelection.assets("discovery") - dg.AssetSelection.checks(*FRESHNESS_CHECKS),
    description="Scan the brands' own accounts, competitors and hashtags that are due.",
)
