import dagster as dg

from toby_pipelines.buffer.health import worst
from toby_pipelines.loop.plan import fill_buffer
from toby_pipelines.reporting.markdown import markdown_table, named_values
from toby_pipelines.resources.clock import ClockResource
from toby_pipelines.resources.content_generator import ContentGeneratorResource
from toby_pipelines.resources.database import TobyDatabaseResource

_LAST_DAY = dg.LastPartitionMapping()


@dg.asset(
    deps=[
        dg.AssetDep("strategy_posteriors", partition_mapping=_LAST_DAY),
        dg.AssetDep("brand_baselines", partition_mapping=_LAST_DAY),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "buffer_is_healthy",
            asset="content_buffer",
            description="Passes when every slot of the next 48 hours has a post for every brand;"
            " warns when a brand has 1-3 empty slots (LOW), fails with an error at 4 or more or"
            " an empty slot within 24 hours (CRITICAL). The brands table in the metadata says which.",
        )
    ],
    group_name="buffer",
    kinds={"python", "sql"},
    # LLM calls: at most `concurrency.pools.default_limit` (3) generating steps at once.
    pool="llm",
    owners=["team:toby"],
)
def content_buffer(
    database: TobyDatabaseResource,
    content_generator: ContentGeneratorResource,
    clock: ClockResource,
) -> dg.MaterializeResult:
    """The planned content buffer: for every user with Toby on, every reel and carousel slot of
    every brand in the next `buffer_days` (default 2), and the hour after, holds a generated post
    (a slot is planned an hour before it enters the window, so a shared slot's tick only
    publishes). Each new post's
    personality, topic, hook, title format and visual style are sampled from the latest strategy
    posteriors, with a share of experiments set by the user's explore ratio (or the drift rule).
    Buffer health follows the spec: HEALTHY (all slots of the next 48h filled), LOW (1-3 empty),
    CRITICAL (4+ empty or under 24h of content). With an LLM configured, posts pass the medical
    safety gate and the niche-lock, and stay within each user's daily AI budget; whatever the LLM
    cannot write, the template generator does, so no slot is left empty."""
    now = clock.now()
    users = fill_buffer(database.get(), content_generator.generate, now)
    status = worst(u.health.status for u in users if u.health)
    rows = [
        (u.user_id, brand, h.status, f"{h.filled_slots}/{h.total_slots}", round(h.hours_covered, 1))
        for u in users
        for brand, h in u.brand_health.items()
    ]
    empty = sum(u.health.empty_slots for u in users if u.health)
    failed = [u.failure for u in users if u.failure is not None]
    return dg.MaterializeResult(
        metadata={
            "buffer_health": dg.MetadataValue.text(status),
            "generated_posts": dg.MetadataValue.int(sum(u.generated for u in users)),
            "experiments": dg.MetadataValue.int(sum(u.experiments for u in users)),
            "empty_slots_48h": dg.MetadataValue.int(empty),
            "users": dg.MetadataValue.int(len(users)),
            "failed_users": dg.MetadataValue.int(len(failed)),
            "failures": dg.MetadataValue.md(
                markdown_table(
                    ["user", "reason (retried on the next tick)"],
                    [(f.unit, f.reason) for f in failed],
                )
            ),
            "generation": dg.MetadataValue.md(named_values(content_generator.run_stats())),
            "brands": dg.MetadataValue.md(
                markdown_table(["user", "brand", "health", "filled (48h)", "hours covered"], rows)
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="buffer_is_healthy",
                passed=status == "HEALTHY",
                severity=dg.AssetCheckSeverity.ERROR
                if status == "CRITICAL"
                else dg.AssetCheckSeverity.WARN,
                description=f"buffer {status}: {empty} empty slot(s) in the next 48 hours",
                metadata={"status": status, "empty_slots_48h": empty},
            )
        ],
    )
