import dagster as dg

from toby_pipelines.loop.publish import publish_due
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource


@dg.asset(
    deps=["post_media"],
    group_name="publishing",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def published_posts(
    context: dg.AssetExecutionContext,
    database: TobyDatabaseResource,
    platform: PlatformResource,
    clock: ClockResource,
) -> dg.MaterializeResult:
    """Posts whose slot has come, published through the platform and marked published with the
    platform's media id, exactly once: a post is published under a lease no other run can take
    while it lives, at most one tick runs at a time, and Instagram's container is looked at
    before every retry (a lost answer is resolved from the container and the account, never by
    caption alone). A transient fault, throttle or spent quota retries the post later; a
    rejected token, revoked permission or restricted account flags only that brand. A post whose
    slot passed more than two hours ago (Toby was off, or the UI opened on an old database) is
    skipped and logged, not published late."""
    summary = publish_due(database.get(), platform.get(), clock.now(), owner=context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "published": dg.MetadataValue.int(len(summary.published)),
            "failed": dg.MetadataValue.int(len(summary.failed)),
            "retrying_next_tick": dg.MetadataValue.int(len(summary.retrying)),
            "skipped_overdue": dg.MetadataValue.int(len(summary.skipped)),
            "review_deadlines": dg.MetadataValue.int(len(summary.reviewed_at_deadline)),
            "preview": dg.MetadataValue.md(
                markdown_table(
                    ["account", "type", "title", "outcome", "media id / reason"],
                    [
                        (*summary.described.get(post_id, ("", "", post_id)), outcome, detail)
                        for outcome, entries in (
                            ("published", summary.published),
                            ("failed", summary.failed),
                            ("retrying", summary.retrying),
                            ("skipped", summary.skipped),
                            ("review deadline", summary.reviewed_at_deadline),
                        )
                        for post_id, detail in entries
                    ],
                )
            ),
        }
    )
