"""A plain-text progress bar for long simulations (stderr, one line, redrawn)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, width: int = 30
    ) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr  # the current one
        self.width = width
        self.started = time.monotonic()
        self._shown = -1

    def update(self, done: int, note: str = "") -> None:
        percent = 100 * done // self.total
        if percent == self._shown:
            return  # redraw once per percent: readable in CI logs, cheap on a terminal
        self._shown = percent
        filled = int(self.width * done / self.total)
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total} {note} {elapsed:5.1f}s ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
