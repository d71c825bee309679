from statistics import mean

import dagster as dg

from toby_pipelines.baselines.rolling import WINDOW_DAYS
from toby_pipelines.defs.partitions import learning_partition, learning_partitions, window
from toby_pipelines.loop.score import score_day
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource


@dg.asset(
    partitions_def=learning_partitions,
    deps=[dg.AssetDep("metrics_snapshots", partition_mapping=window(-WINDOW_DAYS))],
    group_name="scoring",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def scored_posts(
    context: dg.AssetExecutionContext, database: TobyDatabaseResource, clock: ClockResource
) -> dg.MaterializeResult:
    """The Toby score (0-100) of every post whose early (48h) or final (7d) snapshot landed on
    the day, with its four components (raw views 30%, views against the brand's baseline 35%,
    saves-and-shares engagement 25%, views per follower 10%), followers gained per 1000 views
    (F/1K) and engagement rate. The baseline is the brand's as of the day before: no score reads
    its own future."""
    day, shard = learning_partition(context.partition_key)
    summary = score_day(database.get(), day, clock.now(), shard)
    ranked = sorted(summary.scores, key=lambda s: s.toby_score, reverse=True)
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(len(summary.scores)),
        "unscored_without_views": dg.MetadataValue.int(len(summary.unscored)),
        "scored_from_late_snapshots": dg.MetadataValue.int(
            sum(s.observed_late_hours > 0 for s in summary.scores)
        ),
        "failed_users": dg.MetadataValue.int(len(summary.failed)),
        "failures": dg.MetadataValue.md(
            markdown_table(
                ["user", "reason (retried on the next run)"],
                [(f.unit, f.reason) for f in summary.failed],
            )
        ),
        "preview": dg.MetadataValue.md(
            markdown_table(
                ["post", "phase", "score", "raw", "relative", "engagement", "followers", "F/1K"],
                [
                    (
                        s.post_id,
                        s.phase,
                        s.toby_score,
                        s.raw_views_score,
                        s.relative_views_score,
                        s.engagement_score,
                        s.follower_context_score,
                        s.followers_per_1k_views,
                    )
                    for s in ranked
                ],
            )
        ),
    }
    for phase in ("48h", "7d"):
        values = [s.toby_score for s in summary.scores if s.phase == phase]
        if values:
            metadata[f"mean_score_{phase}"] = dg.MetadataValue.float(round(mean(values), 2))
    return dg.MaterializeResult(metadata=metadata)
