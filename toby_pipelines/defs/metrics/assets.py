import dagster as dg

from toby_pipelines.defs.partitions import learning_partition, learning_partitions
from toby_pipelines.loop.measure import capture_snapshots
from toby_pipelines.reporting.markdown import listing, markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource


@dg.asset(
    partitions_def=learning_partitions,
    check_specs=[
        dg.AssetCheckSpec(
            "captures_complete",
            asset="metrics_snapshots",
            blocking=False,
            description="Warns when a checkpoint could not be captured before it grew too old "
            "to mean anything (marked missing); retrying captures are still expected to land.",
        )
    ],
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
    as posts cross checkpoints.

    One post's or brand's failure costs nobody else anything: a failed capture is recorded with
    its reason and retried on later sensor ticks until it lands or is too old (missing); a bad
    metric row is rejected by name and the rest of the day is written; a media deleted on the
    platform is recorded and no longer measured. On a live platform a captured checkpoint is
    never overwritten, and a late capture records when it was really observed."""
    day, shard = learning_partition(context.partition_key)
    summary = capture_snapshots(database.get(), platform.get(), day, clock.now(), shard)
    preview = markdown_table(
        ["post", "checkpoint", "views", "likes", "saves", "shares", "follows"],
        [
            (s.post_id, s.checkpoint, s.views, s.likes, s.saves, s.shares, s.follows)
            for s in summary.snapshots
        ],
    )
    captures = markdown_table(
        ["brand", "captured", "retrying", "missing", "deleted"],
        [(b, c.captured, c.retrying, c.missing, c.deleted) for b, c in summary.by_brand.items()],
    )
    failures = markdown_table(
        ["post", "checkpoint", "status", "reason"],
        [(f.post_id, f.checkpoint, f.status, f.reason) for f in summary.failed],
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(summary.snapshot_count),
            "by_checkpoint": dg.MetadataValue.md(
                markdown_table(["checkpoint", "snapshots"], sorted(summary.by_checkpoint.items()))
            ),
            "day_complete": dg.MetadataValue.bool(summary.complete),
            "failed_captures": dg.MetadataValue.int(len(summary.failed)),
            "missing_captures": dg.MetadataValue.int(summary.missing),
            "rejected_rows": dg.MetadataValue.md(
                "\n".join(f"- {row}" for row in summary.rejected_rows) or "none"
            ),
            "deleted_posts": dg.MetadataValue.text(listing(summary.deleted_posts)),
            "brands_needing_reauth": dg.MetadataValue.text(listing(summary.brands_needing_reauth)),
            "captures_by_brand": dg.MetadataValue.md(captures),
            "failures": dg.MetadataValue.md(failures),
            "preview": dg.MetadataValue.md(preview),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="captures_complete",
                passed=summary.missing == 0,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{summary.missing} checkpoint(s) of {day} missing for good",
                metadata={"missing": summary.missing},
            )
        ],
    )
