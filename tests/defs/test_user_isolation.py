"""No user's data changes another user's posteriors, end to end through the stored tables.

Brands of one user borrow each other's evidence (cold start), so a bug that pooled by option
across users would leak one customer's results into another's content plan. The domain test
checks `learn_user`; this one checks what `strategy_posteriors` writes: after one user's scores
are turned upside down, re-materializing the day leaves every stored row of the other user as
it was, and does change the first user's.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import sqlalchemy as sa

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.learning.assets import strategy_posteriors

DEFS = load_defs()
POSTERIOR_ROWS = (
    "SELECT brand_id, content_type, dimension, option_value, sample_count, post_mean,"
    " post_kappa, post_alpha, post_beta, prior_source, prob_best FROM toby_strategy_scores"
    " WHERE user_id = :user AND as_of_date = :day"
    " ORDER BY brand_id, content_type, dimension, option_value"
)


def posterior_rows(database, user: str, day: dt.date) -> list[tuple]:
    with database.engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(sa.text(POSTERIOR_ROWS), {"user": user, "day": day})
        ]


def test_one_users_scores_never_move_another_users_posteriors(database, database_url):
    build_world(database, users=("u1", "u2"), brands_per_user=2)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    days = 6
    instance = run_days(DEFS, database_url, days)
    day = (START + dt.timedelta(days=days - 1)).date()
    mine_before = posterior_rows(database, "u1", day)
    theirs_before = posterior_rows(database, "u2", day)
    assert any(row[4] > 0 for row in mine_before), "u1 has scored posts behind its posteriors"

    with database.transaction() as connection:
        connection.execute(
            sa.text(
                "UPDATE post_scores SET toby_score = 100 - toby_score WHERE post_id IN"
                " (SELECT id FROM scheduled_posts WHERE user_id = 'u2')"
            )
        )
    result = dg.materialize(
        [strategy_posteriors],
        resources=resources_for(database_url, START + dt.timedelta(days=days)),
        instance=instance,
        partition_key=day.isoformat(),
    )
    assert result.success
    assert posterior_rows(database, "u1", day) == mine_before
    assert posterior_rows(database, "u2", day) != theirs_before
