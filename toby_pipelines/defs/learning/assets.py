import datetime as dt

import dagster as dg

from toby_pipelines.defs.partitions import daily_partitions, window
from toby_pipelines.loop.learn import LEARNING_HORIZON_DAYS, compute_posteriors
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.strategy.posteriors import OptionPosterior


@dg.asset(
    partitions_def=daily_partitions,
    deps=[dg.AssetDep("scored_posts", partition_mapping=window(-(LEARNING_HORIZON_DAYS - 1)))],
    group_name="learning",
    kinds={"python", "sql"},
    owners=["team:toby"],
)
def strategy_posteriors(
    context: dg.AssetExecutionContext, database: TobyDatabaseResource, clock: ClockResource
) -> dg.MaterializeResult:
    """What Toby believes about every option it can choose, as of the day: for each user,
    brand, content type (reels and carousels never mixed) and dimension (personality, topic,
    hook, title format, visual style), a Normal-Gamma posterior over the option's mean score,
    with its 90% interval and probability of being the best. A new brand starts from its user's
    other brands. The content buffer samples these to plan posts (Thompson sampling)."""
    day = dt.date.fromisoformat(context.partition_key)
    summary = compute_posteriors(database.get(), day, clock.now())
    best: dict[tuple[str, str, str], OptionPosterior] = {}
    for _, item in summary.posteriors:
        key = (item.brand_id, item.content_type, item.dimension)
        if key not in best or item.posterior.mu > best[key].posterior.mu:
            best[key] = item
    rows = [
        (
            summary.brand_names.get(item.brand_id, item.brand_id),
            item.content_type,
            item.dimension,
            item.option,
            item.posterior.mu,
            f"{item.interval_low:.1f}–{item.interval_high:.1f}",
            round(item.prob_best, 3),
            item.sample_count,
        )
        for item in best.values()
    ]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(summary.posteriors)),
            "leader_changes": dg.MetadataValue.int(len(summary.leader_changes)),
            "leaders": dg.MetadataValue.md(
                markdown_table(
                    [
                        "brand",
                        "type",
                        "dimension",
                        "leader",
                        "mean",
                        "90% interval",
                        "P(best)",
                        "posts",
                    ],
                    rows,
                    limit=60,
                )
            ),
        }
    )
