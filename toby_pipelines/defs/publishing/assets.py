import dagster as dg

from toby_pipelines.loop.publish import publish_due
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import SimulatedPlatformResource


@dg.asset(
    deps=["content_buffer"],
    group_name="publishing",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def published_posts(
    database: TobyDatabaseResource, platform: SimulatedPlatformResource, clock: ClockResource
) -> dg.MaterializeResult:
    """Posts whose slot has come, published through the platform and marked published with the
    platform's media id. A post is claimed before the platform call and the platform dedupes
    by post id, so a retried or repeated run never publishes a post twice."""
    summary = publish_due(database.get(), platform.get(), clock.now())
    return dg.MaterializeResult(
        metadata={
            "published": dg.MetadataValue.int(len(summary.published)),
            "failed": dg.MetadataValue.int(len(summary.failed)),
            "preview": dg.MetadataValue.md(
                markdown_table(["post", "media id / error"], [*summary.published, *summary.failed])
            ),
        }
    )
