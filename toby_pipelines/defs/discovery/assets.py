import dagster as dg

from toby_pipelines.loop.discover import run_discovery
from toby_pipelines.reporting.markdown import listing, markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.resources.platform import PlatformResource


@dg.asset(group_name="discovery", kinds={"python", "sql"}, owners=["team:toby"])
def discovery(
    database: TobyDatabaseResource, platform: PlatformResource, clock: ClockResource
) -> dg.MaterializeResult:
    """What Toby sees outside its own posts (spec section 5.7): each brand's own recent media
    every 6 hours, its competitors' public posts (business discovery) every 8 and its hashtags'
    top posts every 12 (every 20 minutes in the bootstrap week), kept in discovery_findings with
    the brand topic each one is about. A topic that trends among the most-liked findings makes
    strategy_posteriors start a new topic experiment now instead of at the next retest. Needs
    Instagram (TOBY_PLATFORM=live or instagram); with the simulated platform there is nothing
    to discover, and X brands are not scanned."""
    live = platform.get()
    if not getattr(live, "discovers", False):
        return dg.MaterializeResult(
            metadata={"skipped": dg.MetadataValue.text("discovery needs Instagram (TOBY_PLATFORM)")}
        )
    summary = run_discovery(database.get(), live.discover, clock.now())
    rows = [(s.brand_id, s.kind, s.target, n) for s, n in summary.scanned]
    rows += [(s.brand_id, s.kind, s.target, f"postponed: {why}") for s, why in summary.postponed]
    return dg.MaterializeResult(
        metadata={
            "scans": dg.MetadataValue.int(len(summary.scanned)),
            "findings": dg.MetadataValue.int(sum(n for _, n in summary.scanned)),
            "postponed": dg.MetadataValue.int(len(summary.postponed)),
            "brands_needing_reauth": dg.MetadataValue.text(listing(summary.brands_needing_reauth)),
            "trending_topics": dg.MetadataValue.md(
                markdown_table(
                    ["brand", "trending topics"],
                    [
                        (brand, ", ".join(topics))
                        for brand, topics in sorted(summary.trending.items())
                    ],
                )
            ),
            "preview": dg.MetadataValue.md(
                markdown_table(["brand", "kind", "target", "found"], rows)
            ),
        }
    )
