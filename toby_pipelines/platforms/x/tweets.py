"""Tweets: lookup with metrics in batches of 100, posting, and the follower count.

A lookup answer may be partial: `data` for what could be read plus `errors[]` for the rest (a
metric group this token may not see, a deleted tweet). Non-public and organic metrics are only
given for the account's own recent tweets, so public metrics stand in where they are refused.
Snapshot columns: impressions as views, bookmarks as saves, retweets plus quotes as shares,
replies as comments; X reports no reach and no follows per tweet (NULL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from toby_pipelines.platforms.api_errors import PermanentApiError, TransientApiError
from toby_pipelines.platforms.x.x_client import SERVICE, XClient

BATCH = 100
TWEET_FIELDS = "public_metrics,non_public_metrics,organic_metrics,created_at"
MAX_TWEET_CHARS = 280
DUPLICATE = "duplicate content"

SnapshotMetrics = dict[str, int | None]


NOT_FOUND = "resource-not-found"


def lookup_metrics(
    client: XClient, tweet_ids: Sequence[str]
) -> tuple[dict[str, SnapshotMetrics], set[str]]:
    """(snapshot metrics of every tweet X returns, ids X says no longer exist), in batches of
    100. A tweet whose private metrics were refused gets its public ones."""
    found: dict[str, SnapshotMetrics] = {}
    gone: set[str] = set()
    for start in range(0, len(tweet_ids), BATCH):
        batch = list(tweet_ids[start : start + BATCH])
        body = client.get("2/tweets", {"ids": ",".join(batch), "tweet.fields": TWEET_FIELDS})
        for tweet in _items(body.get("data")):
            if "id" in tweet:
                found[str(tweet["id"])] = snapshot_metrics(tweet)
        for error in _items(body.get("errors")):
            if NOT_FOUND in str(error.get("type", "")) and error.get("resource_id"):
                gone.add(str(error["resource_id"]))
    return found, gone - set(found)


def snapshot_metrics(tweet: dict[str, Any]) -> SnapshotMetrics:
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics") or {}
    impressions = private.get("impression_count", public.get("impression_count"))
    retweets, quotes = public.get("retweet_count"), public.get("quote_count")
    shares = None if retweets is None and quotes is None else (retweets or 0) + (quotes or 0)
    return {
        "views": _count(impressions),
        "reach": None,
        "likes": _count(public.get("like_count")),
        "comments": _count(public.get("reply_count")),
        "saves": _count(public.get("bookmark_count")),
        "shares": _count(shares),
        "follows": None,
    }


def post_tweet(client: XClient, user_id: str, text: str) -> str:
    """Post `text` once and return the tweet id. X refuses identical text from the same account
    (403 duplicate content), so a retry after an answer that was lost finds the first tweet
    among the account's latest instead of posting again."""
    if len(text) > MAX_TWEET_CHARS:
        raise PermanentApiError(SERVICE, f"text is {len(text)} characters, over {MAX_TWEET_CHARS}")
    try:
        body = client.post("2/tweets", {"text": text})
    except PermanentApiError as error:
        if DUPLICATE not in str(error).lower():
            raise
        return _existing_tweet(client, user_id, text)
    tweet_id = (body.get("data") or {}).get("id")
    if not tweet_id:
        raise TransientApiError(SERVICE, "POST 2/tweets: the answer has no tweet id")
    return str(tweet_id)


def followers(client: XClient, user_id: str) -> int:
    body = client.get(f"2/users/{user_id}", {"user.fields": "public_metrics"})
    count = ((body.get("data") or {}).get("public_metrics") or {}).get("followers_count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise TransientApiError(
            SERVICE, f"user {user_id}: followers_count is not a count: {count!r}"
        )
    return count


def _existing_tweet(client: XClient, user_id: str, text: str) -> str:
    body = client.get(f"2/users/{user_id}/tweets", {"max_results": 20})
    for tweet in _items(body.get("data")):
        if tweet.get("text") == text:
            return str(tweet["id"])
    raise TransientApiError(SERVICE, "X calls the tweet a duplicate but it is not among the latest")


def _items(value: Any) -> Iterable[dict[str, Any]]:
    return [item for item in value or [] if isinstance(item, dict)]


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value
