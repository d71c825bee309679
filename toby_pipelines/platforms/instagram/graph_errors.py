"""Reading the Graph API's answers: its error codes and its rate-limit usage headers.

Codes per Meta's Graph API error handling and rate-limiting documentation: 4, 17, 32, 613 and
80000-80014 are throttling, except code 4 with subcode 2207051, an account restriction on
publishing; 190 is an invalid or expired access token; 10 is "not enough viewers" only when it
says so and otherwise, like 3 and 200-299, a permission the token lacks; 9 with subcode 2207042
is the publishing quota; 100 with subcode 33 (or "does not exist") is an object that is gone;
`is_transient` errors may succeed when retried. Usage headers carry percentages of the app's (X-App-Usage) or the
business's (X-Business-Use-Case-Usage) budget, the latter with an estimated time, in minutes,
until a throttled caller regains access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from toby_pipelines.platforms.api_errors import (
    AccountRestrictedError,
    ApiError,
    MediaGoneError,
    PermanentApiError,
    PermissionDeniedError,
    QuotaReachedError,
    RateLimitedError,
    TokenExpiredError,
    TransientApiError,
)

SERVICE = "instagram"
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TOKEN_EXPIRED_CODE = 190
NOT_ENOUGH_VIEWERS_CODE = 10
UNSUPPORTED_PARAMETER_CODE = 100
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
RESTRICTION_SUBCODES = frozenset({2207051})
RESTRICTION_CODES = frozenset({368})
QUOTA_SUBCODES = frozenset({2207042})
GONE_SUBCODES = frozenset({33})
# A quota is a rolling 24 hours: look again in an hour rather than hammer it.
QUOTA_WAIT_SECONDS = 3600.0
# When throttled without an estimate, wait this long before the next try.
DEFAULT_THROTTLE_WAIT_SECONDS = 60.0


def usage_percent(headers: Mapping[str, str]) -> float:
    """The highest usage percentage (calls, CPU time, total time) any usage header reports."""
    highest = 0.0
    for entry in _usage_entries(headers):
        for key in ("call_count", "total_cputime", "total_time"):
            value = entry.get(key)
            if isinstance(value, int | float):
                highest = max(highest, float(value))
    return highest


def regain_access_seconds(headers: Mapping[str, str]) -> float | None:
    """The longest `estimated_time_to_regain_access` (minutes) in the usage headers, in seconds."""
    minutes = [
        float(entry["estimated_time_to_regain_access"])
        for entry in _usage_entries(headers)
        if isinstance(entry.get("estimated_time_to_regain_access"), int | float)
    ]
    return max(minutes) * 60.0 if minutes else None


def _usage_entries(headers: Mapping[str, str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    app = _json_header(headers.get("x-app-usage"))
    if isinstance(app, dict):
        entries.append(app)
    business = _json_header(headers.get("x-business-use-case-usage"))
    if isinstance(business, dict):
        for values in business.values():
            if isinstance(values, list):
                entries.extend(v for v in values if isinstance(v, dict))
    return entries


def _json_header(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return None  # a garbled header is no reason to fail a call that succeeded


def graph_error(status: int, body: Any, headers: Mapping[str, str]) -> ApiError:
    """The error a failed response stands for (`body` is the parsed JSON, or None)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if status == 429:
            return RateLimitedError(
                SERVICE, "too many requests", _throttle_wait(headers), status=status
            )
        if status >= 500:
            return TransientApiError(SERVICE, "server error", status=status)
        return PermanentApiError(SERVICE, "request refused", status=status)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    message = str(error.get("message", "unknown error"))
    if subcode in RESTRICTION_SUBCODES or code in RESTRICTION_CODES:
        return AccountRestrictedError(SERVICE, message, status=status, code=code)
    if subcode in QUOTA_SUBCODES:
        return QuotaReachedError(SERVICE, message, QUOTA_WAIT_SECONDS, status=status, code=code)
    if code in THROTTLING_CODES or status == 429:
        return RateLimitedError(SERVICE, message, _throttle_wait(headers), status=status, code=code)
    if code == TOKEN_EXPIRED_CODE:
        return TokenExpiredError(SERVICE, message, status=status, code=code)
    if code == NOT_ENOUGH_VIEWERS_CODE and "not enough viewers" in message.lower():
        return PermanentApiError(SERVICE, message, status=status, code=code)
    if code in PERMISSION_CODES:
        return PermissionDeniedError(SERVICE, message, status=status, code=code)
    if code == UNSUPPORTED_PARAMETER_CODE and (
        subcode in GONE_SUBCODES or "does not exist" in message.lower()
    ):
        return MediaGoneError(SERVICE, message, status=status, code=code)
    if error.get("is_transient") is True or status >= 500:
        return TransientApiError(SERVICE, message, status=status, code=code)
    return PermanentApiError(SERVICE, message, status=status, code=code)


def _throttle_wait(headers: Mapping[str, str]) -> float:
    regain = regain_access_seconds(headers)
    if regain:
        return regain
    retry_after = headers.get("retry-after")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    return DEFAULT_THROTTLE_WAIT_SECONDS
