"""An X API v2 double with X's shapes: tweet lookup answering `data` plus `errors[]` (field
authorization errors for tweets whose private metrics the token may not see, not-found errors),
POST /2/tweets answering 201 `{"data": {"id", "text"}}` and 403 for duplicate content, user
lookup with public_metrics, and x-rate-limit-* headers on every answer."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_server import Reply, Request


@dataclass
class FakeX:
    user_id: str = "2244994945"
    token: str = "x-bearer-secret"
    refresh_token: str = "x-refresh-secret"
    client_id: str = "toby-client-id"
    followers: int = 3100
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> tweet
    private: set[str] = field(default_factory=set)  # tweets whose private metrics are visible
    remaining: int = 900
    reset_at: int = field(default_factory=lambda: int(time.time()) + 900)
    _ids: Any = field(default_factory=lambda: itertools.count(1790000000000000000))

    def add_tweet(self, tweet_id: str, text: str = "", impressions: int = 0, **public: int) -> None:
        metrics = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0,
                   "bookmark_count": 0, "impression_count": impressions, **public}  # fmt: skip
        self.tweets[tweet_id] = {
            "id": tweet_id,
            "text": text,
            "created_at": "2026-11-20T08:00:00.000Z",
            "edit_history_tweet_ids": [tweet_id],
            "public_metrics": metrics,
        }

    def _headers(self) -> dict[str, str]:
        self.remaining = max(0, self.remaining - 1)
        return {
            "x-rate-limit-limit": "900",
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset_at),
        }

    def __call__(self, request: Request) -> Reply:
        if request.path == "/2/oauth2/token" and request.method == "POST":
            return self._refresh(request)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                               "detail": "Unauthorized"})  # fmt: skip
        headers = self._headers()
        if request.path == "/2/tweets" and request.method == "GET":
            return Reply(200, self._lookup(request), headers)
        if request.path == "/2/tweets" and request.method == "POST":
            text = request.body.get("text", "")
            if any(t["text"] == text for t in self.tweets.values()):
                return Reply(403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                                   "type": "about:blank", "title": "Forbidden", "status": 403}, headers)  # fmt: skip
            tweet_id = str(next(self._ids))
            self.add_tweet(tweet_id, text)
            self.private.add(tweet_id)
            return Reply(201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}, headers)  # fmt: skip
        if request.path == f"/2/users/{self.user_id}":
            body = {"data": {"id": self.user_id, "name": "Glow", "username": "glowdaily",
                             "public_metrics": {"followers_count": self.followers, "following_count": 10,
                                                "tweet_count": len(self.tweets), "listed_count": 0}}}  # fmt: skip
            return Reply(200, body, headers)
        if request.path == f"/2/users/{self.user_id}/tweets":
            latest = sorted(self.tweets.values(), key=lambda t: t["id"], reverse=True)[:20]
            return Reply(200, {"data": [{"id": t["id"], "text": t["text"]} for t in latest],
                               "meta": {"result_count": len(latest)}}, headers)  # fmt: skip
        return Reply(404, {"title": "Not Found Error", "detail": request.path})

    def _refresh(self, request: Request) -> Reply:
        """OAuth 2.0 refresh: a new access token and a rotated refresh token (the old one is
        spent), as X issues them."""
        body = request.body
        if (
            body.get("grant_type") != "refresh_token"
            or body.get("client_id") != self.client_id
            or body.get("refresh_token") != self.refresh_token
        ):
            return Reply(400, {"error": "invalid_request",
                               "error_description": "Value passed for the token was invalid."})  # fmt: skip
        self.token = self.token + "-r"
        self.refresh_token = self.refresh_token + "-r"
        return Reply(200, {"token_type": "bearer", "expires_in": 7200, "access_token": self.token,
                           "scope": "tweet.read tweet.write users.read offline.access",
                           "refresh_token": self.refresh_token})  # fmt: skip

    def _lookup(self, request: Request) -> dict[str, Any]:
        ids = request.params.get("ids", "").split(",")
        data, errors = [], []
        wants_private = "non_public_metrics" in request.params.get("tweet.fields", "")
        for tweet_id in ids:
            tweet = self.tweets.get(tweet_id)
            if tweet is None:
                errors.append({"value": tweet_id, "detail": f"Could not find tweet with ids: [{tweet_id}].",
                               "title": "Not Found Error", "resource_type": "tweet", "parameter": "ids",
                               "resource_id": tweet_id,
                               "type": "https://api.twitter.com/2/problems/resource-not-found"})  # fmt: skip
                continue
            item = dict(tweet)
            if wants_private and tweet_id in self.private:
                views = tweet["public_metrics"]["impression_count"]
                item["non_public_metrics"] = {"impression_count": views, "url_link_clicks": 0,
                                              "user_profile_clicks": 1}  # fmt: skip
                item["organic_metrics"] = {**tweet["public_metrics"], "user_profile_clicks": 1}
            elif wants_private:
                for group in ("non_public_metrics", "organic_metrics"):
                    errors.append({"resource_id": tweet_id, "parameter": group, "resource_type": "tweet",
                                   "section": "data", "title": "Field Authorization Error", "value": tweet_id,
                                   "detail": f"Sorry, you are not authorized to access '{group}' on the Tweet with ids: {tweet_id}.",
                                   "type": "https://api.twitter.com/2/problems/not-authorized-for-field"})  # fmt: skip
            data.append(item)
        body: dict[str, Any] = {"data": data} if data else {}
        if errors:
            body["errors"] = errors
        return body
