"""A circuit breaker per platform: after `threshold` transient failures in a row (5xx, timeouts,
dropped connections, across all brands), calls fail at once for `cooldown_seconds` instead of
each waiting out its retries, so an outage costs a run seconds, not hours; the captures and
posts it stops are recorded and retried. After the cool-down calls go through again, and the
first success closes the circuit. Each opening and closing is reported once through
`on_change` (and so becomes one incident, even across runs)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from toby_pipelines.platforms.api_errors import CircuitOpenError, TransientApiError
from toby_pipelines.storage.database import Database
from toby_pipelines.storage.incidents import current_state, record_transition

T = TypeVar("T")


@dataclass
class CircuitBreaker:
    service: str
    threshold: int = 5
    cooldown_seconds: float = 300.0
    clock: Callable[[], float] = time.monotonic
    on_change: Callable[[str, str], None] | None = None  # (state "open" | "closed", why)
    _failures: int = 0
    _opened_at: float | None = None
    _recovering: bool = False  # open until a call succeeds again
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def reopen_from_earlier_run(self) -> None:
        """An earlier run left the circuit open: calls go through (its cool-down is long past
        or was another process's), and the first success closes it."""
        self._recovering = True

    def call(self, operation: Callable[[], T]) -> T:
        """Run one API call through the breaker."""
        self.before_call()
        try:
            result = operation()
        except Exception as error:
            self.failed(error)
            raise
        self.succeeded()
        return result

    def before_call(self) -> None:
        with self._lock:
            if self._opened_at is None:
                return
            waited = self.clock() - self._opened_at
            if waited < self.cooldown_seconds:
                raise CircuitOpenError(
                    self.service,
                    f"circuit open after {self.threshold} failures in a row; next try in"
                    f" {self.cooldown_seconds - waited:.0f} s",
                )
            # Cooled down: calls go through again; `threshold` more failures re-open it.
            self._opened_at, self._failures, self._recovering = None, 0, True

    def succeeded(self) -> None:
        with self._lock:
            recovered = self._recovering
            self._failures, self._recovering = 0, False
        if recovered and self.on_change:
            self.on_change("closed", f"{self.service} answers again")

    def failed(self, error: BaseException) -> None:
        if not isinstance(error, TransientApiError) or isinstance(error, CircuitOpenError):
            return
        with self._lock:
            self._failures += 1
            if self._failures < self.threshold or self._opened_at is not None:
                return
            self._opened_at, self._recovering = self.clock(), True
        if self.on_change:
            self.on_change("open", f"{self._failures} failures in a row, the last: {error}")


def circuit_for(database: Database, service: str) -> CircuitBreaker:
    """A platform's breaker whose openings and closings are incidents (one per change)."""

    def changed(state: str, why: str) -> None:
        with database.transaction() as connection:
            record_transition(
                connection,
                subject=f"platform:{service}",
                condition="circuit",
                state=state,
                severity="critical" if state == "open" else "info",
                description=f"{service} circuit {state}: {why}",
                now=dt.datetime.now(dt.UTC),
                initial_state="closed",
            )

    breaker = CircuitBreaker(service, on_change=changed)
    with database.engine.connect() as connection:
        if current_state(connection, f"platform:{service}", "circuit") == "open":
            breaker.reopen_from_earlier_run()
    return breaker
