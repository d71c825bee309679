import dagster as dg

from toby_pipelines.loop.publish import publish_due
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource


@dg.asset(
    deps=["content_buffer"],
    group_name="publishing",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def published_posts(
    database: TobyDatabaseResource, platform: PlatformResource, clock: ClockResource
) -> dg.MaterializeResult:
    """Posts whose slot has come, published through the platform and marked published with the
    platform's media id. A post is claimed before the platform call and the platform dedupes
    by post id (Instagram: the post's container is remembered and looked at first), so a retried
    or repeated run never publishes a post twice. A transient fault or rate limit leaves the post
    claimed for the next tick; a rejected token flags the brand for re-authorization."""
    summary = publish_due(database.get(), platform.get(), clock.now())
    return dg.MaterializeResult(
        metadata={
            "published": dg.MetadataValue.int(len(summary.published)),
            "failed": dg.MetadataValue.int(len(summary.failed)),
            "retrying_next_tick": dg.MetadataValue.int(len(summary.retrying)),
            "preview": dg.MetadataValue.md(
                markdown_table(
                    ["post", "media id / error"],
                    [*summary.published, *summary.failed, *summary.retrying],
                )
            ),
        }
    )
