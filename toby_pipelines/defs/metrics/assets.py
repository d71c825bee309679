import datetime as dt

import dagster as dg

from toby_pipelines.defs.partitions import daily_partitions
from toby_pipelines.loop.measure import capture_snapshots
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource


@dg.asset(
    partitions_def=daily_partitions,
    group_name="metrics",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def metrics_snapshots(
    context: dg.AssetExecutionContext,
    database: TobyDatabaseResource,
    platform: PlatformResource,
    clock: ClockResource,
) -> dg.MaterializeResult:
    """Cumulative metrics (views, reach, likes, comments, saves, shares, follows and the
    account's followers) of every published post that reaches a checkpoint age (6h, 24h, 48h,
    72h, 7d) on the partition's day, as the platform reports them. The raw evidence every score
    and every lesson is built from. Re-materializing a day leaves the same rows.

    It reads the posts `published_posts` put out; that edge is not drawn because it would close
    the loop into a cycle: `metrics_checkpoint_sensor` closes it instead, requesting a day's run
    as posts cross checkpoints."""
    day = dt.date.fromisoformat(context.partition_key)
    summary = capture_snapshots(database.get(), platform.get(), day, clock.now())
    preview = markdown_table(
        ["post", "checkpoint", "views", "likes", "saves", "shares", "follows"],
        [
            (s.post_id, s.checkpoint, s.views, s.likes, s.saves, s.shares, s.follows)
            for s in summary.snapshots
        ],
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(summary.snapshots)),
            "by_checkpoint": dg.MetadataValue.json(summary.by_checkpoint),
            "day_complete": dg.MetadataValue.bool(summary.complete),
            "brands_needing_reauth": dg.MetadataValue.json(summary.brands_needing_reauth),
            "preview": dg.MetadataValue.md(preview),
        }
    )
