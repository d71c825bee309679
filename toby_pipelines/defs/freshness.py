"""Each job's lag limit as Dagster freshness checks, so the UI shows when Toby is late: the tick
(buffer and publishing) runs every 5 minutes, the learning chain at least daily as checkpoints
cross, discovery every 20 minutes. A sensor evaluates the checks."""

import datetime as dt

import dagster as dg

TICK_LAG = dt.timedelta(minutes=15)  # three missed ticks
LEARNING_LAG = dt.timedelta(hours=26)  # a day's checkpoints, plus slack
DISCOVERY_LAG = dt.timedelta(hours=1)  # three missed scans

tick_freshness = dg.build_last_update_freshness_checks(
    assets=["content_buffer", "published_posts"], lower_bound_delta=TICK_LAG
)
learning_freshness = dg.build_last_update_freshness_checks(
    assets=["metrics_snapshots", "scored_posts", "brand_baselines", "strategy_posteriors"],
    lower_bound_delta=LEARNING_LAG,
)
discovery_freshness = dg.build_last_update_freshness_checks(
    assets=["discovery"], lower_bound_delta=DISCOVERY_LAG
)
FRESHNESS_CHECKS = [*tick_freshness, *learning_freshness, *discovery_freshness]


@dg.definitions
def freshness() -> dg.Definitions:
    return dg.Definitions(
        asset_checks=FRESHNESS_CHECKS,
        sensors=[
            dg.build_sensor_for_freshness_checks(
                freshness_checks=FRESHNESS_CHECKS,
                name="toby_freshness_sensor",
                default_status=dg.DefaultSensorStatus.RUNNING,
            )
        ],
    )
