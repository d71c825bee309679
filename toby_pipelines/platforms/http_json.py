"""One HTTP exchange with a JSON API, with transport failures turned into API errors.

Every client (Graph API, X, the LLM) sends through here, so a timeout, a dropped connection or
a body that is not JSON means the same thing everywhere: a transient fault worth retrying."""

from __future__ import annotations

import json
from typing import Any

import httpx

from toby_pipelines.platforms.api_errors import TransientApiError


def exchange(
    http: httpx.Client, service: str, method: str, path: str, **kwargs: Any
) -> tuple[httpx.Response, Any]:
    """(response, parsed JSON body or None). `path` is shown in errors: keep secrets out of it."""
    shown = path.split("?")[0]
    try:
        response = http.request(method, path, **kwargs)
    except httpx.TimeoutException as error:
        raise TransientApiError(service, f"{method} {shown} timed out") from error
    except httpx.TransportError as error:
        raise TransientApiError(
            service, f"{method} {shown} failed: {type(error).__name__}"
        ) from error
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    return response, body


def json_object(service: str, method: str, path: str, response: httpx.Response, body: Any) -> dict:
    """The body of a successful answer, which must be a JSON object."""
    if not isinstance(body, dict):
        raise TransientApiError(
            service,
            f"{method} {path.split('?')[0]}: malformed or truncated body",
            status=response.status_code,
        )
    return body
