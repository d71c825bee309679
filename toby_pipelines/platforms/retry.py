"""Retrying API calls: exponential backoff with full jitter for transient faults, and waiting
out rate limits for as long as the API says, up to a ceiling.

The sleep function is injected, so a test can record the waits instead of spending them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from toby_pipelines.platforms.api_errors import (
    CircuitOpenError,
    RateLimitedError,
    TransientApiError,
)

T = TypeVar("T")
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    # A rate limit that asks for a longer wait than this fails the call instead of blocking the
    # run: the sensor or schedule tries again on a later tick.
    max_rate_limit_wait_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempt - 1))
        return rng.uniform(0.0, ceiling)


def with_retries(
    operation: Callable[[], T],
    policy: RetryPolicy,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run `operation`, retrying transient faults and rate limits as `policy` allows."""
    rng = rng or random.Random()
    for attempt in range(1, policy.attempts + 1):
        try:
            return operation()
        except CircuitOpenError:
            raise  # nothing is gained by waiting within this run
        except RateLimitedError as error:
            if (
                attempt == policy.attempts
                or error.wait_seconds > policy.max_rate_limit_wait_seconds
            ):
                raise
            sleep(error.wait_seconds)
        except TransientApiError:
            if attempt == policy.attempts:
                raise
            sleep(policy.backoff(attempt, rng))
    raise AssertionError("unreachable")  # the loop returns or raises
