import dagster as dg

from toby_pipelines.defs.partitions import learning_partition, learning_partitions, window
from toby_pipelines.loop.learn import compute_posteriors
from toby_pipelines.reporting.markdown import markdown_table
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.database import TobyDatabaseResource
from toby_pipelines.strategy.posteriors import LEARNING_HORIZON_DAYS
from toby_pipelines.strategy.stream_noise import is_noisy


@dg.asset(
    partitions_def=learning_partitions,
    deps=[
        dg.AssetDep("scored_posts", partition_mapping=window(-(LEARNING_HORIZON_DAYS - 1))),
        # Topics trending in discovery findings restart a completed topic experiment.
        dg.AssetDep("discovery"),
    ],
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
    with its 90% interval and probability of being the best. Evidence decays with age, a 48h
    score counts half until the 7d score replaces it, each brand's options start from its user's
    other brands (never another user's), and a detected audience change discounts older
    evidence; a post its owner deleted counts as a penalized score (column "deleted by owner").
    The same run advances the experiments, rests declining topics and moves the
    user's phase. The content buffer samples these to plan posts (Thompson sampling)."""
    day, shard = learning_partition(context.partition_key)
    summary = compute_posteriors(database.get(), day, clock.now(), shard)
    names = summary.brand_names
    options = [
        (
            names.get(item.brand_id, item.brand_id),
            item.content_type,
            item.dimension,
            item.option,
            round(item.posterior.mu, 1),
            f"{item.interval_low:.1f}–{item.interval_high:.1f}",
            round(item.prob_best, 3),
            item.sample_count,
            item.deleted_posts,
            item.prior_source,
        )
        for _, item in sorted(
            summary.posteriors,
            key=lambda pair: (
                names.get(pair[1].brand_id, pair[1].brand_id),
                pair[1].content_type,
                pair[1].dimension,
                -pair[1].posterior.mu,
            ),
        )
    ]
    # Each dimension's best option first, marked as its leader.
    seen: set[tuple] = set()
    for index, row in enumerate(options):
        if row[:3] not in seen:
            seen.add(row[:3])
            options[index] = (*row[:3], f"**{row[3]}** (leader)", *row[4:])
    experiments = [
        (
            names.get(e.brand_id, e.brand_id),
            e.content_type,
            e.dimension,
            e.status,
            e.winner or "",
            str(e.started_on),
            "; ".join(
                f"{o}: {r.count} post(s) of {e.min_samples} needed"
                + (f", P(best) {r.prob_best:.2f}" if r.prob_best == r.prob_best else "")
                for o, r in e.results.items()
            ),
        )
        for e in summary.experiments
    ]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(summary.posterior_count),
            "failed_users": dg.MetadataValue.int(len(summary.failed)),
            "failures": dg.MetadataValue.md(
                markdown_table(
                    ["user", "reason (retried on the next run)"],
                    [(f.unit, f.reason) for f in summary.failed],
                )
            ),
            "leader_changes": dg.MetadataValue.int(len(summary.leader_changes)),
            "audience_drops": dg.MetadataValue.int(
                sum(not change.is_rise for change in summary.changes)
            ),
            "option_rises": dg.MetadataValue.int(sum(c.is_rise for c in summary.changes)),
            "resting_topics": dg.MetadataValue.int(len(summary.resting)),
            # Change detectors that went on from yesterday's state, and those replayed from the
            # horizon (a first day, a reset, a backfill past the kept states).
            "detectors_carried": dg.MetadataValue.int(summary.detectors_carried),
            "detectors_started_again": dg.MetadataValue.int(summary.detectors_started_again),
            # Streams whose scores scatter too much to probe: drawn sharper, no follow-ups.
            "noisy_streams": dg.MetadataValue.int(
                len(
                    {
                        (item.brand_id, item.content_type)
                        for _, item in summary.posteriors
                        if is_noisy(item.stream_noise_sd)
                    }
                )
            ),
            "experiments_completed": dg.MetadataValue.int(
                sum(e.status == "completed" and e.completed_on == day for e in summary.experiments)
            ),
            "phases": dg.MetadataValue.md(
                markdown_table(["user", "phase"], sorted(summary.phases.items()), limit=100)
            ),
            "options": dg.MetadataValue.md(
                markdown_table(
                    [
                        "brand",
                        "type",
                        "dimension",
                        "option",
                        "posterior mean",
                        "90% interval",
                        "P(best)",
                        "posts",
                        "deleted by owner",
                        "prior",
                    ],
                    options,
                    limit=400,
                )
            ),
            "experiments": dg.MetadataValue.md(
                markdown_table(
                    ["brand", "type", "dimension", "status", "winner", "started", "samples"],
                    experiments,
                    limit=100,
                )
            ),
        }
    )
