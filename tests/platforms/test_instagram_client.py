"""The Instagram client against a real HTTP server on 127.0.0.1 speaking the Graph API's shapes.

Protects what real accounts depend on: every page of media is read; insights ask a fixed metric
list and never a deprecated one, keep optional metrics apart, and give None (not 0) where
Instagram has no number; throttling waits as long as Meta says; transient faults, timeouts and
truncated bodies are retried; an expired token is not; the token never travels in a URL; and a
post is published once however often publishing is retried.
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from tests.fakes.graph_api import FakeGraph, graph_error
from tests.fakes.http_server import Reply
from tests.platforms.conftest import IG, TOKEN
from toby_pipelines.platforms.api_errors import (
    PermissionDeniedError,
    QuotaReachedError,
    RateLimitedError,
    TokenExpiredError,
    TransientApiError,
)
from toby_pipelines.platforms.instagram.graph_client import GraphClient
from toby_pipelines.platforms.instagram.insights import media_insights, snapshot_metrics
from toby_pipelines.platforms.instagram.media import account_info, account_media
from toby_pipelines.platforms.instagram.publishing import (
    ContainerNotReady,
    MediaToPublish,
    PublishState,
    resume_or_publish,
)
from toby_pipelines.platforms.retry import RetryPolicy


def client_for(graph: FakeGraph, slept: list, token: str = TOKEN, **kwargs) -> GraphClient:
    assert graph.server is not None
    return GraphClient(
        access_token=token,
        base_url=graph.server.url,
        sleep=slept.append,
        timeout=httpx.Timeout(kwargs.pop("timeout", 2.0)),
        **kwargs,
    )


def test_reads_every_page_of_media_and_the_follower_count(graph, slept):
    for i in range(5):
        graph.add_media(IG, f"m{i}", "REELS", caption=f"post {i}")
    client = client_for(graph, slept)
    media = account_media(client, IG)
    assert [m.id for m in media] == ["m4", "m3", "m2", "m1", "m0"]
    assert media[0].media_product_type == "REELS" and media[0].caption == "post 4"
    assert account_info(client, IG).followers_count == 5200
    # Meta's paging.next carries access_token=; the client strips it and sends the header.
    assert len(graph.server.requests) == 4
    for request in graph.server.requests:
        assert "access_token" not in request.query
        assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_reel_insights_fixed_list_optional_apart_and_none_for_what_is_missing(graph, slept):
    graph.add_media(IG, "r1", "REELS")
    graph.insights["r1"] = {
        "views": 5400,
        "reach": 4100,
        "likes": 300,
        "comments": 12,
        "shares": 40,
        "saved": 55,
        "total_interactions": 407,
        "ig_reels_avg_watch_time": 6100,
    }
    values = media_insights(client_for(graph, slept), "r1", "REELS")
    assert values["views"] == 5400 and values["saved"] == 55
    assert values["ig_reels_avg_watch_time"] == 6100
    assert values["ig_reels_video_view_total_time"] is None  # not in the answer: unknown
    assert snapshot_metrics(values) == {
        "views": 5400,
        "reach": 4100,
        "likes": 300,
        "comments": 12,
        "saves": 55,
        "shares": 40,
        "follows": None,  # reels have no follows metric
        "avg_watch_time_ms": 6100,  # stored with the snapshot (defect 13)
        "total_watch_time_ms": None,
    }
    asked = [r.query["metric"].split(",") for r in graph.server.requests]
    assert asked == [
        ["views", "reach", "likes", "comments", "shares", "saved", "total_interactions"],
        ["ig_reels_avg_watch_time", "ig_reels_video_view_total_time"],
    ]
    assert not {"plays", "impressions", "video_views"} & {m for call in asked for m in call}


def test_an_unsupported_optional_metric_costs_only_the_optional_call(graph, slept):
    graph.add_media(IG, "c1", "FEED")
    graph.insights["c1"] = {"views": 900, "reach": 700, "likes": 40, "saved": 9, "follows": 3}
    graph.unsupported["c1"] = {"profile_visits"}
    values = media_insights(client_for(graph, slept), "c1", "FEED")
    assert values["views"] == 900 and values["follows"] is None and values["profile_visits"] is None


@pytest.mark.parametrize("unavailable", ["not_enough_viewers", "empty_data"])
def test_unavailable_insights_are_none_not_zero(graph, slept, unavailable):
    graph.add_media(IG, "r2", "REELS")
    if unavailable == "not_enough_viewers":
        graph.not_enough_viewers.add("r2")
    values = media_insights(client_for(graph, slept), "r2", "REELS")
    assert values and all(value is None for value in values.values())


def test_throttling_waits_the_time_meta_estimates_then_succeeds(graph, slept):
    usage = {IG: [{"type": "instagram", "call_count": 100, "total_cputime": 20, "total_time": 30,
                   "estimated_time_to_regain_access": 3}]}  # fmt: skip
    graph.server.fail_next(
        f"/{IG}",
        Reply(
            400,
            graph_error(80002, "There have been too many calls to this Instagram account.").body,
            {"X-Business-Use-Case-Usage": json.dumps(usage)},
        ),
    )
    assert account_info(client_for(graph, slept), IG).followers_count == 5200
    assert slept == [180.0]  # 3 minutes, as the header said


def test_http_429_without_estimate_honours_retry_after(graph, slept):
    graph.server.fail_next(
        f"/{IG}", Reply(429, {"error": {"message": "x", "code": 4}}, {"Retry-After": "7"})
    )
    account_info(client_for(graph, slept), IG)
    assert slept == [7.0]


def test_a_throttle_longer_than_the_ceiling_fails_the_call_instead_of_blocking(graph, slept):
    usage = {IG: [{"call_count": 100, "estimated_time_to_regain_access": 120}]}
    graph.server.fail_next(
        f"/{IG}",
        Reply(400, graph_error(17, "User request limit reached").body,
              {"X-Business-Use-Case-Usage": json.dumps(usage)}),
    )  # fmt: skip
    with pytest.raises(RateLimitedError) as error:
        account_info(client_for(graph, slept), IG)
    assert error.value.wait_seconds == 7200 and slept == []


@pytest.mark.parametrize(
    "fault",
    [
        Reply(
            500,
            {"error": {"message": "An unknown error occurred", "code": 1, "is_transient": True}},
        ),
        Reply(503, raw=b"<html>Service Unavailable</html>"),
        Reply(200, raw=b'{"followers_count": 52'),  # malformed
        Reply(200, {"followers_count": 5200}, truncate=True),  # connection closed mid-body
        Reply(200, {"followers_count": 5200}, delay_seconds=1.5),  # read timeout
    ],
    ids=["transient_500", "html_503", "malformed", "truncated", "timeout"],
)
def test_transient_faults_are_retried_with_backoff(graph, slept, fault):
    graph.server.fail_next(f"/{IG}", fault, times=2)
    client = client_for(graph, slept, timeout=0.5)
    assert account_info(client, IG).followers_count == 5200
    assert len(slept) == 2 and all(0 <= s <= 2.0 for s in slept)


def test_transient_faults_give_up_after_the_policy_attempts(graph, slept):
    graph.server.fail_next(f"/{IG}", Reply(502, raw=b"bad gateway"), times=10)
    client = client_for(graph, slept, retry=RetryPolicy(attempts=3))
    with pytest.raises(TransientApiError):
        account_info(client, IG)
    assert len(graph.server.requests) == 3


def test_an_expired_token_is_not_retried_and_never_shown(graph, slept):
    client = client_for(graph, slept, token="EAAG-expired-secret")
    with pytest.raises(TokenExpiredError) as error:
        account_info(client, IG)
    assert len(graph.server.requests) == 1 and slept == []
    assert "EAAG-expired-secret" not in str(error.value) and "EAAG" not in repr(client)


def test_a_token_cannot_reach_another_account(graph, slept):
    graph.add_account("17841400000000002", "EAAG-brand-two-secret")
    with pytest.raises(PermissionDeniedError):  # code 10 without "not enough viewers"
        account_info(client_for(graph, slept), "17841400000000002")


def test_usage_above_90_percent_slows_the_next_call(graph, slept):
    graph.server.extra_headers = {
        "X-App-Usage": json.dumps({"call_count": 95, "total_time": 10, "total_cputime": 5})
    }
    client = client_for(graph, slept, slow_down_seconds=30.0)
    account_info(client, IG)
    assert slept == []
    account_info(client, IG)
    assert slept == [30.0]


REEL = MediaToPublish("REELS", "5 sleep myths, busted", video_url="https://cdn.example/r.mp4")
PUBLISH_AT = dt.datetime(2026, 11, 20, 7, 59, tzinfo=dt.UTC)


def publish(client, media=REEL, state=None, remembered=None, ours=()):
    """resume_or_publish as the platform calls it; `state` is an earlier try's container."""
    remembered = remembered if remembered is not None else []
    return resume_or_publish(
        client, IG, media, state or PublishState(), remembered.append, lambda m: m in ours,
        PUBLISH_AT,
    )  # fmt: skip


def resumed(container_id):
    return PublishState(container_id, PUBLISH_AT, 1)


def test_publishes_a_reel_after_polling_its_container(graph, slept):
    graph.polls_until_finished = 2
    remembered = []
    media_id = publish(client_for(graph, slept), remembered=remembered)
    assert [m["id"] for m in graph.published_media(IG)] == [media_id]
    assert len(remembered) == 1 and slept == [60.0, 60.0]
    create = next(
        r for r in graph.server.requests if r.method == "POST" and r.path.endswith("/media")
    )
    assert create.params["media_type"] == "REELS" and create.params["video_url"].endswith("r.mp4")


def test_a_container_stuck_in_progress_is_resumed_not_recreated(graph, slept):
    graph.polls_until_finished = 7  # longer than the 5-minute window
    remembered: list[str] = []
    client = client_for(graph, slept)
    with pytest.raises(ContainerNotReady):
        publish(client, remembered=remembered)
    assert sum(slept) == 300.0 and graph.published_media(IG) == []
    media_id = publish(client, state=resumed(remembered[0]), remembered=remembered)
    assert len(remembered) == 1  # the same container, carried on
    assert [m["id"] for m in graph.published_media(IG)] == [media_id]


def test_a_retry_after_publishing_finds_the_media_instead_of_publishing_again(graph, slept):
    client = client_for(graph, slept)
    remembered: list[str] = []
    first = publish(client, remembered=remembered)
    # The run died before recording the media id: the retry has only the container.
    again = publish(client, state=resumed(remembered[0]), remembered=remembered)
    assert again == first and len(graph.published_media(IG)) == 1


def test_a_carousel_is_built_from_child_containers(graph, slept):
    carousel = MediaToPublish(
        "CAROUSEL",
        "3 gut foods",
        image_urls=("https://cdn.example/1.jpg", "https://cdn.example/2.jpg"),
    )
    publish(client_for(graph, slept), carousel)
    creates = [
        r.params for r in graph.server.requests if r.method == "POST" and r.path.endswith("/media")
    ]
    assert [c.get("is_carousel_item") for c in creates] == ["true", "true", None]
    assert creates[2]["media_type"] == "CAROUSEL" and len(creates[2]["children"].split(",")) == 2
    assert len(graph.published_media(IG)) == 1


def test_a_spent_daily_quota_publishes_nothing(graph, slept):
    graph.quota_usage = graph.quota_total
    with pytest.raises(QuotaReachedError, match="used its 50 posts"):  # waits, not fails
        publish(client_for(graph, slept))
    assert graph.containers == {}
