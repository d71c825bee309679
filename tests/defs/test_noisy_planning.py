"""A noisy stream's posts are drawn at the sharper spread its stored noise calls for, and each
post's decision record holds the spread it was drawn at, so the choice replays exactly (issue 12).
On a real database, SQLite file and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import sqlalchemy as sa

from tests.world import START, build_world
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.loop import plan
from toby_pipelines.loop.replay import replay_choice
from toby_pipelines.storage.posteriors import latest_posteriors, replace_posteriors
from toby_pipelines.strategy.evidence import RawScores
from toby_pipelines.strategy.normal_gamma import NormalGamma
from toby_pipelines.strategy.posteriors import OptionPosterior
from toby_pipelines.strategy.selection import NOISY_WIDTH, POSTERIOR_WIDTH

NOISE = {("u1-b0", "reel"): 25.0, ("u1-b1", "reel"): 8.0}


def _posterior(brand_id: str, noise_sd: float | None) -> OptionPosterior:
    return OptionPosterior(
        brand_id=brand_id, content_type="reel", dimension="personality", option="edu",
        posterior=NormalGamma(55.0, 4.0, 4.0, 600.0), prior_source="brand", sample_count=4,
        evidence_weight=4.0, raw=RawScores(), interval_low=48.0, interval_high=62.0,
        prob_best=1.0, stream_noise_sd=noise_sd,
    )  # fmt: skip


def test_a_noisy_streams_posts_are_drawn_sharper_and_replay(database):
    build_world(database, users=("u1",), brands_per_user=2)
    yesterday = START.date() - dt.timedelta(days=1)
    with database.transaction() as connection:
        rows = [("u1", _posterior(brand, sd)) for (brand, _), sd in NOISE.items()]
        rows.append(("u1", replace(_posterior("u1-b0", None), content_type="carousel")))
        replace_posteriors(connection, yesterday, ["u1"], rows)
        assert latest_posteriors(connection, START.date()).noise_sd == NOISE
        assert latest_posteriors(connection, yesterday - dt.timedelta(days=1)).noise_sd == {}

    [fill] = plan.fill_buffer(database, TemplateContentGenerator().generate, START)
    assert fill.failure is None and fill.generated > 0

    with database.engine.connect() as connection:
        posts = connection.execute(
            sa.text(
                "SELECT p.id, p.brand_id, p.content_type, t.decision, t.personality,"
                " t.propensity FROM scheduled_posts p JOIN toby_content_tags t"
                " ON t.post_id = p.id"
            )
        ).all()
        replayed = {post.id: replay_choice(connection, post.id) for post in posts}
    widths: dict[tuple[str, str], set[float]] = {}
    for post in posts:
        widths.setdefault((post.brand_id, post.content_type), set()).add(
            json.loads(post.decision)["posterior_width"]
        )
        choice = replayed[post.id]
        assert choice is not None and choice.options["personality"] == post.personality
        assert choice.propensity == post.propensity  # bit for bit, at the recorded spread
    assert widths == {
        ("u1-b0", "reel"): {NOISY_WIDTH},  # 25 points: noisy
        ("u1-b1", "reel"): {POSTERIOR_WIDTH},  # 8 points: not
        ("u1-b0", "carousel"): {POSTERIOR_WIDTH},  # too few posts to tell (NULL)
        ("u1-b1", "carousel"): {POSTERIOR_WIDTH},
    }
