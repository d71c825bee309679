"""Monotone piecewise-linear interpolation in log space, for score curves given as anchor points."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence


class LogCurve:
    """A 0-100 curve through (x, score) anchors, linear in log10(x) between and beyond them.

    Beyond the first and last anchor the end segments are extended, then the result is clipped
    to 0-100, so the curve passes exactly through every anchor and never decreases.
    """

    def __init__(self, anchors: Sequence[tuple[float, float]]) -> None:
        if len(anchors) < 2:
            raise ValueError("a LogCurve needs at least two anchors")
        xs = [float(x) for x, _ in anchors]
        ys = [float(y) for _, y in anchors]
        if any(x <= 0 for x in xs):
            raise ValueError(f"anchor x values must be positive, got {xs}")
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError(f"anchor x values must increase, got {xs}")
        if any(b < a for a, b in itertools.pairwise(ys)):
            raise ValueError(f"anchor scores must not decrease, got {ys}")
        self._logs = [math.log10(x) for x in xs]
        self._scores = ys

    def __call__(self, x: float) -> float:
        if x <= 0:
            return 0.0
        log_x = math.log10(x)
        logs, scores = self._logs, self._scores
        segment = len(logs) - 2
        for index in range(len(logs) - 1):
            if log_x <= logs[index + 1]:
                segment = index
                break
        x0, x1 = logs[segment], logs[segment + 1]
        y0, y1 = scores[segment], scores[segment + 1]
        value = y0 + (y1 - y0) * (log_x - x0) / (x1 - x0)
        return min(100.0, max(0.0, value))
