import dagster as dg

from toby_pipelines.baselines.drift import LOOKBACK_DAYS
from toby_pipelines.baselines.rolling import WINDOW_DAYS
from toby_pipelines.defs.partitions import learning_partition, learning_partitions, window
from toby_pipelines.loop.baseline import compute_baselines
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource


@dg.asset(
    partitions_def=learning_partitions,
    deps=[
        dg.AssetDep("scored_posts", partition_mapping=window(-(LOOKBACK_DAYS - 1))),
        dg.AssetDep("metrics_snapshots", partition_mapping=window(-(WINDOW_DAYS - 1))),
    ],
    group_name="baselines",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def brand_baselines(
    context: dg.AssetExecutionContext, database: TobyDatabaseResource, clock: ClockResource
) -> dg.MaterializeResult:
    """What normal looks like for each brand and content type as of the day: 14-day rolling
    average views (at 48h and 7d), average final score, post count and followers, plus the drift
    rule: when the last 14 days score below 0.8x the 14 before, Toby explores at 50% for 7 days;
    above 1.2x, it exploits, exploring at 20%. The reason is recorded with the decision."""
    day, shard = learning_partition(context.partition_key)
    summary = compute_baselines(database.get(), day, clock.now(), shard)
    drifting = [row for row in summary.rows if row.drift_action]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(summary.rows)),
            "failed_users": dg.MetadataValue.int(len(summary.failed)),
            "failures": dg.MetadataValue.md(
                markdown_table(
                    ["user", "reason (retried on the next run)"],
                    [(f.unit, f.reason) for f in summary.failed],
                )
            ),
            "drifting": dg.MetadataValue.int(len(drifting)),
            "baselines": dg.MetadataValue.md(
                markdown_table(
                    [
                        "brand",
                        "type",
                        "avg views 48h",
                        "avg views 7d",
                        "avg score",
                        "posts",
                        "followers",
                        "drift",
                    ],
                    [
                        (
                            summary.brand_names.get(r.brand_id, r.brand_id),
                            r.content_type,
                            r.avg_views_48h,
                            r.avg_views_7d,
                            r.avg_score,
                            r.post_count,
                            r.followers,
                            r.drift_reason,
                        )
                        for r in summary.rows
                    ],
                )
            ),
        }
    )
