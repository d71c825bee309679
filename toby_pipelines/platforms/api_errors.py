"""What can go wrong when Toby calls a platform's or a model's HTTP API, sorted by what to do.

Every client raises one of these, so the loop decides the same way whatever the platform:
retry a transient fault, wait out a rate limit, flag a brand whose token needs re-authorization,
and give up at once on a request the API will never accept. Messages are scrubbed of secrets
when the error is made: an API that echoes the request's Authorization header in its error text
cannot carry a token into the database, a log or Dagster's metadata.

Failures are sorted by what they cost: a post (`PermanentApiError`, `MediaGoneError`), a brand's
account until someone acts (`AccountBlockedError`: token, permission, restriction), or nothing
but time (`TransientApiError`, `RateLimitedError`).
"""

from __future__ import annotations

from toby_pipelines.credentials.scrub import scrub


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
        self.reason = scrub(message)
        super().__init__(f"{service}: {self.reason}" + (f" ({detail})" if detail else ""))


class TransientApiError(ApiError):
    """Worth retrying with backoff: 5xx, a timeout, a dropped connection, a malformed or
    truncated body, or an error the API itself marks transient."""


class CircuitOpenError(TransientApiError):
    """The platform's circuit is open after repeated failures: the call was not made, and
    retrying within this run would not be either."""


class RateLimitedError(ApiError):
    """The API throttled us; nothing is gained by calling before `wait_seconds` have passed."""

    def __init__(self, service: str, message: str, wait_seconds: float, **kwargs) -> None:
        super().__init__(service, message, **kwargs)
        self.wait_seconds = wait_seconds


class QuotaReachedError(RateLimitedError):
    """The account used its publishing quota for the rolling window: the post waits for it."""


class AccountBlockedError(ApiError):
    """The brand's account cannot be used until someone acts: every call of that brand fails the
    same way, so the brand is flagged once and its other work is not attempted."""

    kind = "blocked"


class TokenExpiredError(AccountBlockedError):
    """The access token was rejected: its owner must re-authorize. Retrying cannot help."""

    kind = "token_rejected"


class PermissionDeniedError(AccountBlockedError):
    """The token lacks a permission the call needs (revoked or never granted)."""

    kind = "permission_denied"


class AccountRestrictedError(AccountBlockedError):
    """The platform restricted the account (for example Instagram's 2207051 on publishing)."""

    kind = "account_restricted"


class PermanentApiError(ApiError):
    """The API will not accept this request as it is (bad parameter, missing permission,
    unsupported metric, no credit): retrying cannot help."""


class MediaGoneError(PermanentApiError):
    """The media no longer exists on the platform: deleted by its owner or removed."""
