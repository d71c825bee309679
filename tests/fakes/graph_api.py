"""A Graph API double that speaks Instagram's JSON shapes: account media with `paging.next`
links that carry the token (as Meta's do), insights as `data[].values[].value` or
`data[].total_value.value`, error bodies with `code`, `type`, `is_transient` and `fbtrace_id`,
media containers with their status codes, media_publish and content_publishing_limit.

Each token may act on one account only, as a real page token does."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.fakes.http_server import LocalServer, Reply, Request

VERSION = "v25.0"
ALLOWED_METRICS = {
    "REELS": {
        "views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
        "ig_reels_avg_watch_time", "ig_reels_video_view_total_time",
    },
    "FEED": {
        "views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
        "follows", "profile_visits",
    },
}  # fmt: skip


def graph_error(code: int, message: str, status: int = 400, **extra: Any) -> Reply:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC123"}
    error.update(extra)
    return Reply(status, {"error": error})


@dataclass
class Account:
    ig_user_id: str
    token: str
    followers: int = 1000
    media: list[dict[str, Any]] = field(default_factory=list)  # newest first


@dataclass
class FakeGraph:
    accounts: dict[str, Account] = field(default_factory=dict)
    insights: dict[str, dict[str, Any]] = field(default_factory=dict)  # media -> metric -> value
    default_insights: dict[str, Any] = field(default_factory=dict)  # for media not in `insights`
    product_type: dict[str, str] = field(default_factory=dict)  # media -> REELS | FEED
    not_enough_viewers: set[str] = field(default_factory=set)
    unsupported: dict[str, set[str]] = field(default_factory=dict)  # media -> metrics refused
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls_until_finished: int = 0
    quota_usage: int = 0
    quota_total: int = 50
    page_size: int = 2
    hashtags: dict[str, tuple[str, list[dict[str, Any]]]] = field(
        default_factory=dict
    )  # name -> (id, top media)
    competitors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # username -> media
    server: LocalServer | None = None
    # Media are timestamped from here, a minute apart, as Instagram stamps them when published.
    clock: dt.datetime = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    # media_publish goes through, but its answer never arrives (a dropped connection).
    lose_publish_answers: int = 0
    # The next containers end in ERROR with this reason in their `status`.
    failing_containers: int = 0
    container_error: str = "Error: Media upload has failed with error code 2207026"
    refreshes: int = 0
    # Fetch every video_url / image_url when a container is made, as Instagram does: a URL it
    # cannot download fails the container request (code 9004, subcode 2207052).
    fetch_media: bool = False
    fetched: dict[str, bytes] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(9000))

    def add_account(self, ig_user_id: str, token: str, followers: int = 1000) -> Account:
        self.accounts[ig_user_id] = Account(ig_user_id, token, followers)
        return self.accounts[ig_user_id]

    def add_media(self, ig_user_id: str, media_id: str, product: str, caption: str = "") -> None:
        self.accounts[ig_user_id].media.insert(
            0,
            {
                "id": media_id,
                "caption": caption,
                "media_type": "VIDEO" if product == "REELS" else "CAROUSEL_ALBUM",
                "media_product_type": product,
                "timestamp": self.clock.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "permalink": f"https://www.instagram.com/p/{media_id}/",
                "like_count": 0,
                "comments_count": 0,
            },
        )
        self.product_type[media_id] = product
        self.clock += dt.timedelta(minutes=1)

    def published_media(self, ig_user_id: str) -> list[dict[str, Any]]:
        return self.accounts[ig_user_id].media

    # --- the handler -------------------------------------------------------------------

    def __call__(self, request: Request) -> Reply:
        if request.path == "/refresh_access_token":
            return self._refresh(request)
        prefix = f"/{VERSION}/"
        if not request.path.startswith(prefix):
            return graph_error(2500, "Unknown path components", 400)
        parts = request.path[len(prefix) :].strip("/").split("/")
        token = request.headers.get("authorization", "").removeprefix(
            "Bearer "
        ) or request.params.get("access_token", "")
        owner = next((a for a in self.accounts.values() if a.token == token), None)
        if owner is None:
            return graph_error(
                190, "Error validating access token: Session has expired.", 400, error_subcode=463
            )
        node = parts[0]
        edge = parts[1] if len(parts) > 1 else None
        if node == "ig_hashtag_search":
            entry = self.hashtags.get(request.params.get("q", "").lower())
            return Reply(200, {"data": [{"id": entry[0]}] if entry else []})
        by_id = {tag_id: media for tag_id, media in self.hashtags.values()}
        if node in by_id and edge == "top_media":
            return Reply(200, {"data": by_id[node]})
        if node in self.accounts and node != owner.ig_user_id:
            return graph_error(
                10, "(#10) Application does not have permission for this action", 403
            )
        if node in self.accounts:
            return self._account(request, self.accounts[node], edge)
        if edge == "insights":
            return self._insights(request, node)
        if node in self.containers and edge is None:
            status = self._status(node)
            body = {"status_code": status, "id": node}
            if status == "ERROR":
                body["status"] = self.containers[node].get("error", "Error: 2207026")
            return Reply(200, body)
        return graph_error(100, f"Unsupported get request. Object with ID '{node}' does not exist")

    def _account(self, request: Request, account: Account, edge: str | None) -> Reply:
        fields = request.params.get("fields", "")
        if edge is None and fields.startswith("business_discovery.username("):
            username = fields[len("business_discovery.username(") :].split(")")[0]
            media = self.competitors.get(username)
            if media is None:
                return graph_error(110, "Invalid user id", error_subcode=2207013)
            return Reply(
                200,
                {
                    "business_discovery": {
                        "followers_count": 48000,
                        "media_count": len(media),
                        "media": {"data": media},
                        "id": "17841400000009999",
                    },
                    "id": account.ig_user_id,
                },
            )
        if edge is None:
            return Reply(
                200,
                {
                    "followers_count": account.followers,
                    "media_count": len(account.media),
                    "id": account.ig_user_id,
                },
            )
        if edge == "media" and request.method == "GET":
            start = int(request.params.get("after") or 0)
            size = min(int(request.params.get("limit") or self.page_size), self.page_size)
            page = account.media[start : start + size]
            body: dict[str, Any] = {"data": page, "paging": {"cursors": {"before": str(start)}}}
            if start + size < len(account.media):
                assert self.server is not None
                body["paging"]["next"] = (
                    f"{self.server.url}/{VERSION}/{account.ig_user_id}/media?fields="
                    f"{request.params.get('fields', '')}&limit={size}"
                    f"&access_token={account.token}&after={start + size}"
                )
            return Reply(200, body)
        if edge == "media" and request.method == "POST":
            url = request.params.get("video_url") or request.params.get("image_url")
            if self.fetch_media and url:
                try:
                    response = httpx.get(url, timeout=5)
                    response.raise_for_status()
                    self.fetched[url] = response.content
                except httpx.HTTPError:
                    return graph_error(
                        9004, "(#9004) Media download has failed.", error_subcode=2207052
                    )
            container = str(next(self._ids))
            self.containers[container] = {
                "owner": account.ig_user_id,
                "params": request.params,
                "polls": 0,
                "status": "IN_PROGRESS",
            }
            if self.failing_containers and not request.params.get("is_carousel_item"):
                self.failing_containers -= 1
                self.containers[container].update(status="ERROR", error=self.container_error)
            return Reply(200, {"id": container})
        if edge == "media_publish":
            container = self.containers.get(request.params.get("creation_id", ""))
            if container is None or container["owner"] != account.ig_user_id:
                return graph_error(100, "Invalid parameter", error_subcode=2207027)
            if container["status"] == "PUBLISHED":
                return graph_error(9007, "(#9007) Media ID is not available", error_subcode=2207027)
            if self._status(request.params["creation_id"]) != "FINISHED":
                return graph_error(9007, "(#9007) Media ID is not available", error_subcode=2207027)
            media_id = str(next(self._ids))
            product = "REELS" if container["params"].get("media_type") == "REELS" else "FEED"
            self.add_media(
                account.ig_user_id, media_id, product, container["params"].get("caption", "")
            )
            container["status"] = "PUBLISHED"
            self.quota_usage += 1
            if self.lose_publish_answers:
                self.lose_publish_answers -= 1
                return Reply(200, {"id": media_id}, truncate=True)
            return Reply(200, {"id": media_id})
        if edge == "content_publishing_limit":
            return Reply(
                200,
                {
                    "data": [
                        {
                            "quota_usage": self.quota_usage,
                            "config": {"quota_total": self.quota_total, "quota_duration": 86400},
                        }
                    ]
                },
            )
        return graph_error(100, f"Unknown edge {edge}")

    def _refresh(self, request: Request) -> Reply:
        """graph.instagram.com/refresh_access_token: a long-lived token for another 60 days; the
        old one stops working."""
        token = request.params.get("access_token", "")
        owner = next((a for a in self.accounts.values() if a.token == token), None)
        if request.params.get("grant_type") != "ig_refresh_token" or owner is None:
            return graph_error(190, "Error validating access token: Session has expired.")
        self.refreshes += 1
        owner.token = f"{token}-refreshed{self.refreshes}"
        return Reply(
            200, {"access_token": owner.token, "token_type": "bearer", "expires_in": 5184000}
        )

    def _status(self, container_id: str) -> str:
        container = self.containers[container_id]
        if container["status"] == "IN_PROGRESS":
            container["polls"] += 1
            if container["polls"] > self.polls_until_finished:
                container["status"] = "FINISHED"
        return container["status"]

    def _insights(self, request: Request, media_id: str) -> Reply:
        metrics = [m for m in request.params.get("metric", "").split(",") if m]
        product = self.product_type.get(media_id)
        if product is None:
            return graph_error(100, f"Object with ID '{media_id}' does not exist")
        refused = [
            m
            for m in metrics
            if m not in ALLOWED_METRICS[product] or m in self.unsupported.get(media_id, set())
        ]
        if refused:
            return graph_error(
                100,
                f"(#100) The Media Insights API does not support the {refused[0]} metric for this"
                " media product type.",
            )
        if media_id in self.not_enough_viewers:
            return graph_error(10, "(#10) Not enough viewers for the media to show insights")
        values = self.insights.get(media_id, self.default_insights)
        data = []
        for index, metric in enumerate(metrics):
            if values.get(metric) is None:
                continue
            entry: dict[str, Any] = {
                "name": metric,
                "period": "lifetime",
                "title": metric.replace("_", " ").title(),
                "id": f"{media_id}/insights/{metric}/lifetime",
            }
            # Both shapes Meta sends: most metrics as values[], some as total_value.
            if index % 2:
                entry["total_value"] = {"value": values[metric]}
            else:
                entry["values"] = [{"value": values[metric]}]
            data.append(entry)
        return Reply(200, {"data": data})
