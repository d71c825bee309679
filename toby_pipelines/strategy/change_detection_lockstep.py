"""The change detector of `change_detection` for many brands at once, in lockstep.

`detect_changes` replays one brand's posts in order: its cost is a few dozen Python operations per
post and option, and every brand of every user is replayed each day. Here the n-th post of every
stream is handled by the same numpy operations, so a day's replay costs about as many array
operations as the longest stream has posts, whatever the number of streams.

The arithmetic is that of `detect_changes`, operation for operation and in the same order (sums
run over a post's options one at a time, never reordered), so the results are identical to the
last bit: `tests/domain/test_change_detection_lockstep.py` holds the two to equality on
simulated seasons with drops and rises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from toby_pipelines.strategy.change_detection import (
    FALLBACK_RESIDUAL_SD,
    MIN_RESIDUAL_SD,
    RISE_CAP,
    RISE_MIN_POSTS,
    RISE_SLACK,
    RISE_THRESHOLD,
    SHRINKAGE,
    SLACK,
    THRESHOLD,
    WARMUP_POSTS,
    ChangePoint,
    DetectorState,
)
from toby_pipelines.strategy.evidence import ScoredPost
from toby_pipelines.strategy.stream_arrays import by_combination, days_of, scores_of

NO_DAY = 0  # a CUSUM that has not started (dates are kept as proleptic ordinals)


class _Streams:
    """Every stream's posts as arrays: [stream, post] scores and days, [stream, post, slot]
    option indices (-1: no option in that slot), each stream's options numbered on their own."""

    def __init__(
        self,
        streams: Sequence[Sequence[ScoredPost]],
        states: Sequence[DetectorState] | None = None,
    ) -> None:
        self.count = len(streams)
        self.length = max((len(s) for s in streams), default=0)
        # Every post's options are one of its stream's combinations.
        grouped = [by_combination(stream) for stream in streams]
        self.slots = max((len(c) for combinations, _ in grouped for c in combinations), default=0)
        self.lengths = np.array([len(s) for s in streams], dtype=np.int64)
        self.scores = np.zeros((self.count, self.length))
        self.days = np.zeros((self.count, self.length), dtype=np.int64)
        self.options = np.full((self.count, self.length, self.slots), -1, dtype=np.int64)
        self.keys: list[list[tuple[str, str]]] = []
        self.ids = [(s[0].brand_id, s[0].content_type) if s else ("", "") for s in streams]
        for s, (stream, (combinations, which)) in enumerate(zip(streams, grouped, strict=True)):
            count = len(stream)
            self.scores[s, :count] = scores_of(stream)
            self.days[s, :count] = days_of(stream)
            # Options are numbered per combination (posts read together share their options
            # mapping): a (dimension, option) is first met in the first post of a combination
            # that holds it, so the numbering is the one a walk over every post's slots gives.
            # A carried state's options come first, numbered as it lists them.
            index: dict[tuple[str, str], int] = {}
            if states is not None:
                for key in [*states[s].options, *states[s].rises]:
                    index.setdefault(key, len(index))
            table: list[list[int]] = []
            for options in combinations:
                numbers = [index.setdefault(key, len(index)) for key in options.items()]
                table.append(numbers + [-1] * (self.slots - len(numbers)))
            if count:
                self.options[s, :count, :] = np.array(table, dtype=np.int64).reshape(
                    len(table), self.slots
                )[which]
            self.keys.append(list(index))
        self.width = max((len(k) for k in self.keys), default=0)


def detect_changes_many(
    streams: Sequence[Sequence[ScoredPost]], states: Sequence[DetectorState] | None = None
) -> list[list[ChangePoint]]:
    """`[detect_changes(stream) for stream in streams]`, computed in lockstep; with `states`,
    `[continue_detection(state, stream) for ...]` (each state updated in place)."""
    data = _Streams(streams, states)
    found: list[list[ChangePoint]] = [[] for _ in streams]
    if data.count == 0 or data.length == 0:
        return found
    n, k = data.count, max(data.width, 1)
    rows = np.arange(n)
    # Brand and option running counts and totals since the last drop.
    brand_count = np.zeros(n, dtype=np.int64)
    brand_total = np.zeros(n)
    option_count = np.zeros((n, k), dtype=np.int64)
    option_total = np.zeros((n, k))
    residual_count = np.zeros(n, dtype=np.int64)
    residual_sq = np.zeros(n)
    rise_count = np.zeros(n, dtype=np.int64)
    rise_sq = np.zeros(n)
    drop = _Cusums((n,))
    rises = _Cusums((n, k))
    running = (
        brand_count, brand_total, residual_count, residual_sq, rise_count, rise_sq,
        option_count, option_total, drop, rises,
    )  # fmt: skip
    if states is not None:
        _load(data, states, *running)
    for i in range(data.length):
        active = data.lengths > i
        score = data.scores[:, i]
        day = data.days[:, i]
        slots = data.options[:, i, :]
        present = slots >= 0
        option = np.maximum(slots, 0)
        warm = active & (brand_count >= WARMUP_POSTS)
        if warm.any():
            _judge(
                data, found, i, warm, score, day, slots, present, option, rows,
                brand_count, brand_total, option_count, option_total,
                residual_count, residual_sq, rise_count, rise_sq, drop, rises,
            )  # fmt: skip
        brand_count += active
        brand_total[active] += score[active]
        # Every option of every active stream's post at once: a post's options are different
        # (dimension, option) keys, so no count or total is added to twice.
        streams, slot_of = np.nonzero(active[:, None] & present)
        chosen = option[streams, slot_of]
        option_count[streams, chosen] += 1
        option_total[streams, chosen] += score[streams]
    if states is not None:
        _save(data, states, found, *running)
    return found


def _load(data: _Streams, states: Sequence[DetectorState], brand_count, brand_total,
          residual_count, residual_sq, rise_count, rise_sq, option_count, option_total,
          drop, rises) -> None:  # fmt: skip
    """Each stream's arrays as its carried state holds them."""
    for s, state in enumerate(states):
        scalars = (brand_count, brand_total, residual_count, residual_sq, rise_count, rise_sq)
        for array, value in zip(scalars, state.brand, strict=True):
            array[s] = value
        for field, value in zip(drop.fields(), state.drop, strict=True):
            field[s] = _ordinal(value) if field is drop.start else value
        index = {key: o for o, key in enumerate(data.keys[s])}
        for key, (count, total) in state.options.items():
            option_count[s, index[key]], option_total[s, index[key]] = count, total
        for key, cusum in state.rises.items():
            for field, value in zip(rises.fields(), cusum, strict=True):
                field[s, index[key]] = _ordinal(value) if field is rises.start else value


def _save(data: _Streams, states: Sequence[DetectorState], found, brand_count, brand_total,
          residual_count, residual_sq, rise_count, rise_sq, option_count, option_total,
          drop, rises) -> None:  # fmt: skip
    """Each stream's arrays back into its state: an option since the last change (a count) and
    a CUSUM that is running (`detect_changes` keeps stopped ones at zero, which count as none)."""
    scalars = [
        a.tolist()
        for a in (brand_count, brand_total, residual_count, residual_sq, rise_count, rise_sq)
    ]
    drops = [f.tolist() for f in drop.fields()]
    counts, totals = option_count.tolist(), option_total.tolist()
    rise_fields = [f.tolist() for f in rises.fields()]
    for s, state in enumerate(states):
        state.brand = [column[s] for column in scalars]
        state.drop = [column[s] for column in drops]
        state.drop[1] = _day(state.drop[1])
        keys = data.keys[s]
        state.options = {
            key: [counts[s][o], totals[s][o]] for o, key in enumerate(keys) if counts[s][o] > 0
        }
        state.rises = {}
        for o, key in enumerate(keys):
            cusum = [column[s][o] for column in rise_fields]
            if any(cusum):
                cusum[1] = _day(cusum[1])
                state.rises[key] = cusum
        state.changes.extend(found[s])


def _ordinal(day: dt.date | None) -> int:
    return NO_DAY if day is None else day.toordinal()


def _day(ordinal: int) -> dt.date | None:
    return None if ordinal == NO_DAY else dt.date.fromordinal(ordinal)


class _Cusums:
    """CUSUMs: value, first day of the run, and the run's residual and score counts and totals."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.value = np.zeros(shape)
        self.start = np.zeros(shape, dtype=np.int64)
        self.residual_count = np.zeros(shape, dtype=np.int64)
        self.residual_total = np.zeros(shape)
        self.score_count = np.zeros(shape, dtype=np.int64)
        self.score_total = np.zeros(shape)

    def fields(self) -> tuple[np.ndarray, ...]:
        return (
            self.value, self.start, self.residual_count, self.residual_total,
            self.score_count, self.score_total,
        )  # fmt: skip

    def step(self, at, excess, residual, day, score) -> None:
        """`_Cusum.step` for the CUSUMs at index `at` (an index array or a mask)."""
        value = np.maximum(0.0, self.value[at] + excess)
        stopped = value == 0.0
        self.value[at] = np.where(stopped, 0.0, value)
        self.start[at] = np.where(
            stopped, NO_DAY, np.where(self.start[at] == NO_DAY, day, self.start[at])
        )
        self.residual_count[at] = np.where(stopped, 0, self.residual_count[at] + 1)
        self.residual_total[at] = np.where(stopped, 0.0, self.residual_total[at] + residual)
        self.score_count[at] = np.where(stopped, 0, self.score_count[at] + 1)
        self.score_total[at] = np.where(stopped, 0.0, self.score_total[at] + score)

    def reset(self, at) -> None:
        for field in self.fields():
            field[at] = 0

    def mean_residual(self, at) -> np.ndarray:
        count = self.residual_count[at]
        return np.where(count > 0, self.residual_total[at] / np.maximum(1, count), 0.0)


def _spread(count: np.ndarray, squares: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(squares / count)
    return np.where(count >= 5, np.maximum(MIN_RESIDUAL_SD, root), FALLBACK_RESIDUAL_SD)


def _judge(data, found, i, warm, score, day, slots, present, option, rows,
           brand_count, brand_total, option_count, option_total,
           residual_count, residual_sq, rise_count, rise_sq, drop, rises):  # fmt: skip
    """One post of every warm stream: its residuals, the drop CUSUM and the options' rises."""
    w = rows[warm]
    base = brand_total[w] / brand_count[w]
    score_w, day_w, present_w, option_w = score[w], day[w], present[w], option[w]
    counts = option_count[w[:, None], option_w]
    totals = option_total[w[:, None], option_w]
    # An option never posted since the last change has count 0 and total 0: its shrunk mean
    # is (0 + 2 base) / 2, which is base exactly, as `_shrunk(None, base)` returns.
    shrunk = np.where(present_w, (totals + SHRINKAGE * base[:, None]) / (counts + SHRINKAGE), 0.0)
    predicted = np.zeros(len(w))
    for slot in range(data.slots):
        predicted = predicted + shrunk[:, slot]
    predicted = predicted / np.maximum(1, present_w.sum(axis=1))
    residual = score_w - predicted
    sd = _spread(residual_count[w], residual_sq[w])
    shifts = shrunk - base[:, None]
    total_shift = np.zeros(len(w))
    for slot in range(data.slots):
        total_shift = total_shift + np.where(present_w[:, slot], shifts[:, slot], 0.0)
    additive = base + total_shift
    rise_sd = _spread(rise_count[w], rise_sq[w])
    rise_count[w] += 1
    rise_sq[w] += (score_w - additive) ** 2
    residual_count[w] += 1
    residual_sq[w] += residual * residual
    drop.step(w, -residual / sd - SLACK, residual, day_w, 0.0)
    fired = drop.value[w] > THRESHOLD
    for at in np.flatnonzero(fired):
        s = int(w[at])
        found[s].append(_change(data, s, i, drop.start[s], drop.mean_residual(s)))
    if fired.any():
        gone = w[fired]
        for array in (brand_count, brand_total, residual_count, residual_sq, rise_count, rise_sq):
            array[gone] = 0
        option_count[gone] = 0
        option_total[gone] = 0
        drop.reset(gone)
        rises.reset(gone)
    # Each judged post's options, slot by slot as `detect_changes` walks them, judged at once: a
    # post's options are different keys, so no option's state is read after another's update.
    judged = ~fired
    slot_of, local = np.nonzero((judged[:, None] & present_w).T)  # slot by slot
    s, o = w[local], option_w[local, slot_of]
    known = option_count[s, o] - rises.score_count[s, o]
    ready = known >= RISE_MIN_POSTS
    if not ready.any():
        return
    s, o, known, local, slot_of = s[ready], o[ready], known[ready], local[ready], slot_of[ready]
    base_s = base[local]
    before = (option_total[s, o] - rises.score_total[s, o] + SHRINKAGE * base_s) / (
        option_count[s, o] - rises.score_count[s, o] + SHRINKAGE
    ) - base_s
    own = score_w[local] - (additive[local] - shifts[local, slot_of] + before)
    spread = rise_sd[local] * np.sqrt(1.0 + 1.0 / (known + SHRINKAGE))
    excess = np.minimum(own / spread, RISE_CAP) - RISE_SLACK
    rises.step((s, o), excess, own, day_w[local], score_w[local])
    risen = rises.value[s, o] > RISE_THRESHOLD
    for stream, opt in zip(s[risen].tolist(), o[risen].tolist(), strict=True):
        found[stream].append(
            _change(
                data, stream, i, rises.start[stream, opt],
                rises.mean_residual((stream, opt)), data.keys[stream][opt],
            )
        )  # fmt: skip
    if risen.any():
        option_count[s[risen], o[risen]] = 0
        option_total[s[risen], o[risen]] = 0
        rises.reset((s[risen], o[risen]))


def _change(data: _Streams, stream: int, i: int, start, shift, key=None) -> ChangePoint:
    detected = int(data.days[stream, i])
    brand_id, content_type = data.ids[stream]
    return ChangePoint(
        brand_id,
        content_type,
        changed_on=dt.date.fromordinal(int(start) if int(start) != NO_DAY else detected),
        detected_on=dt.date.fromordinal(detected),
        shift=float(shift),
        dimension=key[0] if key else None,
        option=key[1] if key else None,
    )
