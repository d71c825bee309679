"""The X API v2 client against a real local server speaking X's JSON.

Protects: lookups go in batches of 100 and survive partial answers (field authorization errors,
deleted tweets) with public metrics standing in; impressions become views and bookmarks saves;
a 429 waits until x-rate-limit-reset and a spent window delays the next call; a tweet is posted
once even when its answer was lost; a rejected token is not retried.
"""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.http_server import Reply
from toby_pipelines.platforms.api_errors import TokenExpiredError
from toby_pipelines.platforms.x.tweets import followers, lookup_metrics, post_tweet
from toby_pipelines.platforms.x.x_client import XClient

NOW = 1_795_000_000.0


def client(x, slept, token=None) -> XClient:
    return XClient(
        bearer_token=token or x.token,
        base_url=x.server.url,
        sleep=slept.append,
        clock=lambda: NOW,
        timeout=httpx.Timeout(2.0),
    )


def test_lookup_in_batches_of_100_with_partial_answers(x):
    for i in range(230):
        x.add_tweet(str(1000 + i), impressions=100 + i, like_count=5, bookmark_count=2,
                    retweet_count=1, quote_count=1, reply_count=3)  # fmt: skip
    x.private.add("1000")
    ids = [str(1000 + i) for i in range(230)] + ["999999"]  # one deleted tweet
    metrics, gone = lookup_metrics(client(x, []), ids)
    lookups = [r for r in x.server.requests if r.path == "/2/tweets"]
    assert [len(r.query["ids"].split(",")) for r in lookups] == [100, 100, 31]
    assert "non_public_metrics" in lookups[0].query["tweet.fields"]
    assert len(metrics) == 230 and "999999" not in metrics and gone == {"999999"}
    assert metrics["1005"] == {"views": 105, "reach": None, "likes": 5, "comments": 3,
                               "saves": 2, "shares": 2, "follows": None}  # fmt: skip
    assert metrics["1000"]["views"] == 100  # from non_public_metrics, where allowed


def test_a_429_waits_until_the_reset(x):
    x.server.fail_next("/2/tweets", Reply(429, {"title": "Too Many Requests", "status": 429},
                       {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW) + 42)}))  # fmt: skip
    x.add_tweet("1")
    slept: list[float] = []
    assert lookup_metrics(client(x, slept), ["1"])[0]["1"]["views"] == 0
    assert slept == [42.0]


def test_a_spent_window_delays_the_next_call_until_the_reset(x):
    x.add_tweet("1")
    x.remaining, x.reset_at = 1, int(NOW) + 30
    slept: list[float] = []
    c = client(x, slept)
    lookup_metrics(c, ["1"])
    assert slept == []
    lookup_metrics(c, ["1"])
    assert slept == [30.0]


def test_a_tweet_is_posted_once_even_when_its_answer_was_lost(x):
    c = client(x, [])
    first = post_tweet(c, x.user_id, "3 sleep myths, busted")
    # The answer was lost; the retry hits X's duplicate-content rule and finds the first tweet.
    again = post_tweet(c, x.user_id, "3 sleep myths, busted")
    assert again == first and len(x.tweets) == 1


def test_a_5xx_on_post_is_retried_without_a_second_tweet(x):
    x.server.fail_next("/2/tweets", Reply(503, {"title": "Service Unavailable"}))
    slept: list[float] = []
    tweet_id = post_tweet(client(x, slept), x.user_id, "Gut health in 3 steps")
    assert len(x.tweets) == 1 and tweet_id in x.tweets and len(slept) == 1


def test_followers_and_a_rejected_token(x):
    assert followers(client(x, []), x.user_id) == 3100
    with pytest.raises(TokenExpiredError):
        followers(client(x, [], token="stale"), x.user_id)
    assert len(x.server.requests) == 2
