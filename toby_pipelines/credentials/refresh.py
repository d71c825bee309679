"""Refreshing tokens before they stop working.

Instagram long-lived user tokens last 60 days and can be refreshed once they are a day old
(`GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token`); Toby refreshes
them in their last 7 days. X OAuth 2.0 user access tokens last 2 hours; Toby exchanges the
refresh token (`POST /2/oauth2/token`, grant_type=refresh_token) in their last 10 minutes and
keeps the rotated refresh token X returns. A refusal is a rejected token (the brand is flagged);
a transient failure keeps the current token while it is still valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from toby_pipelines.credentials.scrub import register_secret
from toby_pipelines.platforms.api_errors import TokenExpiredError, TransientApiError
from toby_pipelines.platforms.http_json import exchange, json_object
from toby_pipelines.storage.credentials import StoredCredentials

INSTAGRAM_REFRESH_URL = "https://graph.instagram.com"
X_TOKEN_URL = "https://api.x.com"


@dataclass(frozen=True)
class FreshTokens:
    access_token: str
    refresh_token: str | None
    expires_in_seconds: float | None


class Refresher(Protocol):
    def due(self, credentials: StoredCredentials, now: dt.datetime) -> bool: ...

    def refresh(self, access_token: str, refresh_token: str | None) -> FreshTokens: ...


def _fresh(service: str, body: dict) -> FreshTokens:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise TransientApiError(service, "token refresh: the answer has no access_token")
    refresh = body.get("refresh_token") if isinstance(body.get("refresh_token"), str) else None
    expires = body.get("expires_in")
    register_secret(access)
    register_secret(refresh)
    return FreshTokens(
        access, refresh, float(expires) if isinstance(expires, int | float) else None
    )


def _refused(service: str, response: httpx.Response) -> Exception:
    if response.status_code >= 500 or response.status_code == 429:
        return TransientApiError(service, "token refresh failed", status=response.status_code)
    return TokenExpiredError(service, "the token refresh was refused", status=response.status_code)


@dataclass
class InstagramRefresher:
    base_url: str = INSTAGRAM_REFRESH_URL
    refresh_within: dt.timedelta = dt.timedelta(days=7)
    minimum_age: dt.timedelta = dt.timedelta(hours=24)
    transport: httpx.BaseTransport | None = None
    timeout: float = 20.0

    def due(self, credentials: StoredCredentials, now: dt.datetime) -> bool:
        if credentials.expires_at is None:
            return False
        age = now - (credentials.refreshed_at or credentials.obtained_at)
        return credentials.expires_at - now <= self.refresh_within and age >= self.minimum_age

    def refresh(self, access_token: str, refresh_token: str | None) -> FreshTokens:
        with httpx.Client(
            base_url=self.base_url, timeout=self.timeout, transport=self.transport
        ) as http:
            response, body = exchange(
                http,
                "instagram",
                "GET",
                "refresh_access_token",
                params={"grant_type": "ig_refresh_token", "access_token": access_token},
            )
        if not response.is_success:
            raise _refused("instagram", response)
        return _fresh(
            "instagram", json_object("instagram", "GET", "refresh_access_token", response, body)
        )


@dataclass
class XRefresher:
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    base_url: str = X_TOKEN_URL
    refresh_within: dt.timedelta = dt.timedelta(minutes=10)
    transport: httpx.BaseTransport | None = None
    timeout: float = 20.0

    def due(self, credentials: StoredCredentials, now: dt.datetime) -> bool:
        return (
            credentials.refresh_token is not None
            and credentials.expires_at is not None
            and credentials.expires_at - now <= self.refresh_within
        )

    def refresh(self, access_token: str, refresh_token: str | None) -> FreshTokens:
        if not refresh_token:
            raise TokenExpiredError("x", "the access token expired and there is no refresh token")
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        with httpx.Client(
            base_url=self.base_url, timeout=self.timeout, transport=self.transport
        ) as http:
            response, body = exchange(
                http,
                "x",
                "POST",
                "2/oauth2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": self.client_id,
                },
                auth=auth,
            )
        if not response.is_success:
            raise _refused("x", response)
        return _fresh("x", json_object("x", "POST", "2/oauth2/token", response, body))
