"""Writing one batch while the next is prepared.

The first fill of 10,000 brands spends about a third of its wall time waiting for the database
to take one batch of posts before it plans the next. `WriteBehind` hands each write to a thread
of its own and returns at once, so the database works on one core while Toby plans on the
other. Writes run one at a time, in the order given; `submit` waits for the write before it, and
leaving the block waits for the last, so nothing is half-written when the caller goes on. A
write's exception is raised in the caller, at the next `submit` or on leaving the block.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class WriteBehind:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toby-write-behind")
        self._pending: Future | None = None

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        """Start `write(*args)` once the write before it is done (raising what that one raised)."""
        self.wait()
        self._pending = self._thread.submit(write, *args)

    def wait(self) -> None:
        """Wait for the write in progress; raise what it raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if error is None:
                self.wait()
            elif self._pending is not None:
                # The caller failed: the write in progress still finishes (not half-done), and
                # the caller's error is raised, saying if that write failed too.
                failed = self._pending.exception()
                if failed is not None:
                    error.add_note(f"the write in progress failed too: {failed!r}")
        finally:
            self._thread.shutdown(wait=True)
