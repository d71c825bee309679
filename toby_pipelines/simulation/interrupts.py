"""Ctrl-C between runs, not inside one. Dagster turns an interrupt inside a run into a failed run
and a page of error logs, so a simulation runs in a worker thread (where Dagster leaves signals
alone) while the main thread waits; a Ctrl-C asks the driver to stop before its next tick, and
once the tick in progress has finished and its rows are written, KeyboardInterrupt is raised in
the main thread. A second Ctrl-C stops at once.

The main thread waits on an event the worker sets when it ends, not on `Thread.join`: CPython
3.11's join, interrupted, releases the still-running thread's own state lock (its bpo-45274
handler) and marks the thread stopped, so a second join returned at once, mid-tick."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Set by a Ctrl-C; SimulationDriver checks it before every tick.
STOP = threading.Event()


def stop_requested() -> bool:
    return STOP.is_set()


def run_until_interrupted(work: Callable[[], T]) -> T:
    """`work()`, in a worker thread, with Ctrl-C handled as above."""
    STOP.clear()
    outcome: dict[str, object] = {}
    ended = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the main thread as it is
            outcome["error"] = error
        finally:
            # The run's SQLite connections belong to this thread: collected here, not where
            # SQLite refuses to close them (the main thread, at exit).
            gc.collect()
            ended.set()

    worker = threading.Thread(target=target, name="toby-simulation", daemon=True)
    worker.start()
    try:
        ended.wait()  # on POSIX a Ctrl-C interrupts the wait (no polling)
    except KeyboardInterrupt:
        STOP.set()
        ended.wait()  # a second Ctrl-C ends this wait and the process
        raise
    worker.join()  # it has ended: only its last steps are left
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
