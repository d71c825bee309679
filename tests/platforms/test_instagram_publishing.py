"""Publishing on Instagram exactly once, against a local Graph API server (issue 9, defects 3, 5,
6, 7, 8, 9 and the caption limits).

A media_publish whose answer is lost is resolved from the container and the account, not by a
second publish; a container in ERROR is read for its reason and replaced at most three times; a
repeated or altered caption never binds the wrong media; an account restriction is not a
throttle; a spent quota waits; two runs can never hold the same post; a caption over a limit
fails before anything is sent.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import yaml

from tests.fakes.graph_api import graph_error
from tests.platforms.conftest import IG
from tests.platforms.test_instagram_client import REEL, client_for, publish, resumed
from tests.world import START, build_world
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.defs.jobs import TICK_CONCURRENCY_TAG
from toby_pipelines.loop.plan import fill_buffer
from toby_pipelines.loop.publish import LEASE, publish_due
from toby_pipelines.platforms.api_errors import (
    AccountRestrictedError,
    PermanentApiError,
    TransientApiError,
)
from toby_pipelines.platforms.caption_limits import caption_problems
from toby_pipelines.platforms.instagram.media import account_info
from toby_pipelines.platforms.simulated import SimulatedPlatform
from toby_pipelines.storage.database import PROJECT_ROOT
from toby_pipelines.storage.posts import claim_for_publishing, due_posts


def test_a_lost_publish_answer_is_resolved_from_the_container_not_published_again(graph, slept):
    graph.lose_publish_answers = 1
    media_id = publish(client_for(graph, slept))
    assert [m["id"] for m in graph.published_media(IG)] == [media_id]
    publishes = [r for r in graph.server.requests if r.path.endswith("/media_publish")]
    assert len(publishes) == 1  # never repeated blindly


def test_a_container_in_error_is_read_for_its_reason_and_replaced_at_most_three_times(graph, slept):
    graph.failing_containers = 10
    client = client_for(graph, slept)
    remembered: list[str] = []
    with pytest.raises(TransientApiError, match="2207026"):
        publish(client, remembered=remembered)
    for made in (1, 2):
        state = resumed(remembered[-1])
        state = type(state)(state.container_id, state.container_created_at, made)
        with pytest.raises((TransientApiError, PermanentApiError)):
            publish(client, state=state, remembered=remembered)
    state = type(state)(remembered[-1], state.container_created_at, 3)
    with pytest.raises(PermanentApiError, match="ended ERROR: Error: Media upload has failed"):
        publish(client, state=state, remembered=remembered)
    assert len(graph.containers) == 3 and graph.published_media(IG) == []


def test_a_repeated_caption_never_binds_another_posts_media(graph, slept):
    client = client_for(graph, slept)
    first = publish(client)  # an earlier post with the very same caption
    remembered: list[str] = []
    graph.lose_publish_answers = 1
    second = publish(client, remembered=remembered, ours={first})
    assert second != first
    # A retry after a crash (only the container known) finds the same media again.
    again = publish(client, state=resumed(remembered[0]), ours={first})
    assert again == second and len(graph.published_media(IG)) == 2


def test_an_altered_caption_does_not_leave_the_post_stuck(graph, slept):
    client = client_for(graph, slept)
    remembered: list[str] = []
    graph.lose_publish_answers = 1
    media_id = publish(client, remembered=remembered)
    graph.published_media(IG)[0]["caption"] = REEL.caption + " #sleep"  # Instagram's edit
    assert publish(client, state=resumed(remembered[0])) == media_id


def test_an_account_restriction_is_not_a_throttle(graph, slept):
    graph.server.fail_next(
        f"/{IG}",
        graph_error(4, "Application request limit reached", 400, error_subcode=2207051),
    )
    with pytest.raises(AccountRestrictedError):
        account_info(client_for(graph, slept), IG)
    assert slept == []  # not waited out, not retried


@pytest.mark.parametrize(
    ("platform", "caption", "problem"),
    [
        ("instagram", "x" * 2201, "2201 characters, over instagram's limit of 2200"),
        ("instagram", " ".join(f"#t{i}" for i in range(31)), "31 hashtags"),
        ("instagram", " ".join(f"@u{i}" for i in range(21)), "21 mentions"),
        ("x", "y" * 281, "281 characters, over x's limit of 280"),
        ("x", "see https://example.com/" + "a" * 300, None),  # a URL counts 23
    ],
)
def test_caption_limits(platform, caption, problem):
    problems = caption_problems(platform, caption)
    assert (problem is None and problems == []) or any(problem in p for p in problems)


def test_two_runs_can_never_hold_the_same_post_and_a_crashed_runs_lease_passes(database):
    build_world(database, brands_per_user=1)
    fill_buffer(database, TemplateContentGenerator().generate, START)
    at = START + dt.timedelta(hours=9)
    with database.engine.connect() as connection:
        [post] = due_posts(connection, at, 10)
    with database.transaction() as connection:
        assert claim_for_publishing(connection, post.id, "run-a", at, LEASE)
    with database.transaction() as connection:
        assert not claim_for_publishing(connection, post.id, "run-b", at + LEASE / 2, LEASE)
        assert due_posts(connection, at + LEASE / 2, 10) == []
    # run-a died: once its lease has passed, its successor takes the post over.
    later = at + LEASE + dt.timedelta(seconds=1)
    with database.transaction() as connection:
        assert claim_for_publishing(connection, post.id, "run-b", later, LEASE)


def test_a_caption_over_the_limit_fails_before_anything_is_sent(database):
    build_world(database, brands_per_user=1)
    fill_buffer(database, TemplateContentGenerator().generate, START)
    with database.transaction() as connection:
        connection.execute(sa.text("UPDATE scheduled_posts SET caption = :c"), {"c": "#tag " * 31})

    class Refuses(SimulatedPlatform):
        def publish(self, request, now):  # pragma: no cover - must not be reached
            raise AssertionError("sent a caption over the limit")

    summary = publish_due(database, Refuses(database, audience=None), START + dt.timedelta(hours=9))
    assert summary.published == [] and len(summary.failed) == 1
    assert "31 hashtags, over instagram's limit of 30" in summary.failed[0][1]


def test_at_most_one_tick_runs_at_a_time():
    job = load_defs().resolve_job_def("toby_tick_job")
    assert job.tags[TICK_CONCURRENCY_TAG] == "tick"
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": TICK_CONCURRENCY_TAG, "limit": 1} in limits


def test_a_tick_works_through_every_page_of_due_posts(database):
    """Issue 11: a shared slot of many brands was cleared 200 posts a tick."""
    from tests.world import register_accounts
    from toby_pipelines.platforms.audiences import health_audience

    build_world(database, brands_per_user=2)
    fill_buffer(database, TemplateContentGenerator().generate, START)
    platform = SimulatedPlatform(database, audience=health_audience)
    register_accounts(database, platform)
    # A day's posts in one call (the grace widened so none is skipped as overdue), pages of 2.
    summary = publish_due(
        database, platform, START + dt.timedelta(hours=23), limit=2, grace=dt.timedelta(days=1)
    )
    assert len(summary.published) == 6  # 2 brands x 3 slots, in pages of 2
