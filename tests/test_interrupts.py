"""Ctrl-C during a simulation waits for the tick in progress (`simulation.interrupts`).

Run in a child process that interrupts itself, as a terminal's Ctrl-C would: the interrupt must
reach the caller only once the work in progress has finished. CPython 3.11's `Thread.join`,
interrupted, marks a thread that is still running as stopped (its bpo-45274 handler releases
the running thread's own state lock), so a second `join` returned at once and `toby` exited in
the middle of a tick, its worker thread still writing (and, now and then, the interpreter hung
at exit with it).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import os, signal, threading, time
    from toby_pipelines.simulation.interrupts import run_until_interrupted, stop_requested

    events = []

    def work():
        time.sleep(1.5)  # the tick in progress
        events.append("tick finished")
        if stop_requested():
            events.append("stopped before the next tick")
            return "stopped"
        return "done"

    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    try:
        run_until_interrupted(work)
        events.append("returned")
    except KeyboardInterrupt:
        events.append("interrupted")
    print(",".join(events), flush=True)
    """
)


def test_ctrl_c_is_raised_only_after_the_tick_in_progress_has_finished():
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "tick finished,stopped before the next tick,interrupted"


def test_work_that_ends_on_its_own_returns_its_value_and_raises_its_error():
    from toby_pipelines.simulation.interrupts import run_until_interrupted

    assert run_until_interrupted(lambda: 42) == 42

    def fails():
        raise ValueError("bad scenario")

    try:
        run_until_interrupted(fails)
    except ValueError as error:
        assert str(error) == "bad scenario"
    else:
        raise AssertionError("the work's error was not raised")
