"""Strategy posteriors (table toby_strategy_scores): each option's newest, with the day it reflects."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.storage.bulk import insert_rows
from toby_pipelines.storage.database import as_date
from toby_pipelines.strategy.normal_gamma import NormalGamma
from toby_pipelines.strategy.posteriors import OptionPosterior
from toby_pipelines.strategy.topic_rotation import RestingTopic

PosteriorTable = dict[tuple[str, str], dict[str, dict[str, NormalGamma]]]


def replace_posteriors(
    connection: Connection,
    as_of: dt.date,
    user_ids: Sequence[str],
    rows: Sequence[tuple[str, OptionPosterior]],
    resting: Sequence[RestingTopic] = (),
) -> None:
    """Each user's posteriors become those of `as_of`, unless a later day's are already stored:
    re-running an old day (a backfill) never turns back what Toby believes now."""
    if not user_ids:
        return
    newer = {
        r.user_id
        for r in connection.execute(
            sa.text(
                "SELECT DISTINCT user_id FROM toby_strategy_scores"
                " WHERE as_of_date > :d AND user_id IN :users"
            ).bindparams(sa.bindparam("users", expanding=True)),
            {"d": as_of, "users": list(user_ids)},
        )
    }
    replaced = [u for u in user_ids if u not in newer]
    if replaced:
        connection.execute(
            sa.text("DELETE FROM toby_strategy_scores WHERE user_id IN :users").bindparams(
                sa.bindparam("users", expanding=True)
            ),
            {"users": replaced},
        )
    rows = [(user_id, item) for user_id, item in rows if user_id not in newer]
    if not rows:
        return
    resting_until = {
        (t.brand_id, t.content_type, "topic_bucket", t.topic): t.until for t in resting
    }
    insert_rows(
        connection,
        "toby_strategy_scores",
        _COLUMNS,
        (
            _row(as_of, user_id, item, until)
            for user_id, item in rows
            for until in [
                resting_until.get((item.brand_id, item.content_type, item.dimension, item.option))
            ]
        ),
    )


_COLUMNS = (
    "as_of_date", "user_id", "brand_id", "content_type", "dimension", "option_value",
    "sample_count", "evidence_weight", "avg_score", "score_variance", "best_score", "worst_score",
    "recent_scores", "prior_source", "post_mean", "post_kappa", "post_alpha", "post_beta",
    "interval_low", "interval_high", "prob_best", "resting_until", "deleted_posts", "noise_sd",
)  # fmt: skip


def _row(
    as_of: dt.date, user_id: str, item: OptionPosterior, resting_until: dt.date | None
) -> tuple:
    """The values of `_COLUMNS`."""
    raw = item.raw
    return (
        as_of, user_id, item.brand_id, item.content_type, item.dimension, item.option,
        item.sample_count, item.evidence_weight, raw.mean, raw.variance, raw.best, raw.worst,
        json.dumps(list(raw.recent)), item.prior_source,
        item.posterior.mu, item.posterior.kappa, item.posterior.alpha, item.posterior.beta,
        item.interval_low, item.interval_high, item.prob_best, resting_until, item.deleted_posts,
        item.stream_noise_sd,
    )  # fmt: skip


class LatestPosteriors(NamedTuple):
    table: PosteriorTable
    # {(brand_id, content_type): its residual noise SD}, where learning could tell it
    # (`stream_noise`): stored on each of the stream's rows, read in the same scan.
    noise_sd: dict[tuple[str, str], float]
    # {(brand_id, content_type): why one of its rows is no posterior} (a row changed outside
    # Toby): that stream's brand is not planned from it, and its user's fill fails, named.
    unreadable: dict[tuple[str, str], str]


def latest_posteriors(connection: Connection, today: dt.date) -> LatestPosteriors:
    """{(brand_id, content_type): {dimension: {option: posterior}}}: each option's newest
    posterior from a day up to `today`, and each stream's noise."""
    rows = connection.execute(
        sa.text(
            "SELECT as_of_date, brand_id, content_type, dimension, option_value, post_mean,"
            " post_kappa, post_alpha, post_beta, resting_until, noise_sd FROM toby_strategy_scores"
            " WHERE as_of_date <= :today"
        ),
        {"today": today},
    )
    table: PosteriorTable = {}
    noise_sd: dict[tuple[str, str], float] = {}
    unreadable: dict[tuple[str, str], str] = {}
    for r in rows:
        key = (r.brand_id, r.content_type)
        try:
            posterior = NormalGamma(r.post_mean, r.post_kappa, r.post_alpha, r.post_beta)
        except ValueError:
            # One bad row costs its own brand's planning only, not every user's (`fill_buffer`).
            unreadable[key] = (
                f"stored posterior of {r.dimension}={r.option_value!r} is not one:"
                f" post_kappa={r.post_kappa!r}, post_alpha={r.post_alpha!r},"
                f" post_beta={r.post_beta!r} (each must be positive)"
            )
            continue
        table.setdefault(key, {}).setdefault(r.dimension, {})[r.option_value] = posterior
        if r.noise_sd is not None:
            noise_sd[key] = float(r.noise_sd)
    return LatestPosteriors(table, noise_sd, unreadable)


def resting_options(
    connection: Connection, today: dt.date
) -> dict[tuple[str, str], dict[str, set[str]]]:
    """{(brand_id, content_type): {dimension: options resting today}} from the newest posteriors."""
    rows = connection.execute(
        sa.text(
            "SELECT brand_id, content_type, dimension, option_value FROM toby_strategy_scores"
            " WHERE resting_until > :today AND as_of_date <= :today"
        ),
        {"today": today},
    )
    result: dict[tuple[str, str], dict[str, set[str]]] = {}
    for r in rows:
        result.setdefault((r.brand_id, r.content_type), {}).setdefault(r.dimension, set()).add(
            r.option_value
        )
    return result


def stored_leaders(
    connection: Connection, user_ids: Sequence[str]
) -> dict[str, tuple[dt.date, dict[tuple[str, str, str], str]]]:
    """{user: (day of the stored posteriors, {(brand, content type, dimension): option with the
    highest posterior mean})} of `user_ids`."""
    if not user_ids:
        return {}
    rows = connection.execute(
        sa.text(
            "SELECT user_id, as_of_date, brand_id, content_type, dimension, option_value,"
            " post_mean FROM toby_strategy_scores WHERE user_id IN :users"
        ).bindparams(sa.bindparam("users", expanding=True)),
        {"users": list(user_ids)},
    )
    best: dict[str, dict[tuple[str, str, str], tuple[float, str]]] = {}
    days: dict[str, dt.date] = {}
    for r in rows:
        days[r.user_id] = as_date(r.as_of_date)
        mine = best.setdefault(r.user_id, {})
        key = (r.brand_id, r.content_type, r.dimension)
        if key not in mine or r.post_mean > mine[key][0]:
            mine[key] = (r.post_mean, r.option_value)
    return {user: (days[user], {k: o for k, (_, o) in keys.items()}) for user, keys in best.items()}
