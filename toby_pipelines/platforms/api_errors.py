"""What can go wrong when Toby calls a platform's or a model's HTTP API, sorted by what to do.

Every client raises one of these, so the loop decides the same way whatever the platform:
retry a transient fault, wait out a rate limit, flag a brand whose token needs re-authorization,
and give up at once on a request the API will never accept. Messages never hold a token.
"""

from __future__ import annotations


class ApiError(Exception):
    """A failed API call. `status` is the HTTP status (None without a response), `code` the
    API's own error code where it sends one."""

    def __init__(
        self, service: str, message: str, *, status: int | None = None, code: int | None = None
    ) -> None:
        self.service = service
        self.status = status
        self.code = code
        detail = ", ".join(
            part
            for part in (f"HTTP {status}" if status else "", f"code {code}" if code else "")
            if part
        )
        super().__init__(f"{service}: {message}" + (f" ({detail})" if detail else ""))


class TransientApiError(ApiError):
    """Worth retrying with backoff: 5xx, a timeout, a dropped connection, a malformed or
    truncated body, or an error the API itself marks transient."""


class RateLimitedError(ApiError):
    """The API throttled us; nothing is gained by calling before `wait_seconds` have passed."""

    def __init__(self, service: str, message: str, wait_seconds: float, **kwargs) -> None:
        super().__init__(service, message, **kwargs)
        self.wait_seconds = wait_seconds


class TokenExpiredError(ApiError):
    """The access token was rejected: its owner must re-authorize. Retrying cannot help."""


class PermanentApiError(ApiError):
    """The API will not accept this request as it is (bad parameter, missing permission,
    unsupported metric, no credit): retrying cannot help."""
