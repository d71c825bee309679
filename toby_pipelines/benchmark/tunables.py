"""Toby's constants the learning benchmark may try other values of, on the training half only.

`python -m toby_pipelines.benchmark --half training --set posterior_width=0.35` runs Toby a
second time with that value beside Toby as the code has it, on the same worlds and the same
luck (common random numbers), and prints both. The held-out half refuses `--set`: it reports the
code's constants, which must not have been chosen on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

from toby_pipelines.strategy import (
    change_detection,
    change_detection_lockstep,
    decay,
    experiments,
    posteriors,
    selection,
    stream_noise,
)


@dataclass(frozen=True)
class Tunable:
    description: str
    # Every (module, attribute) that holds the constant, and the value each holds for a setting.
    targets: tuple[tuple[ModuleType, str], ...]
    convert: Callable[[float], float | int]
    low: float  # the smallest value that means anything
    high: float = math.inf  # the largest
    stored: Callable[[float], float] = lambda value: value

    def store(self, value: float) -> dict[tuple[ModuleType, str], float | int]:
        held = self.stored(self.convert(value))
        return {target: held for target in self.targets}


def _float(
    description: str,
    *targets: tuple[ModuleType, str],
    low: float,
    high: float = math.inf,
    stored: Callable[[float], float] = lambda value: value,
) -> Tunable:
    return Tunable(description, targets, float, low, high, stored=stored)


def _whole(
    description: str, *targets: tuple[ModuleType, str], low: int, high: float = math.inf
) -> Tunable:
    return Tunable(description, targets, int, low, high)


# The per-brand detector and the side-by-side one the asset runs each hold the same constant.
_DETECTORS = (change_detection, change_detection_lockstep)

TUNABLES: dict[str, Tunable] = {
    "posterior_width": _float(
        "Thompson sampling's spread factor", (selection, "POSTERIOR_WIDTH"), low=0.01
    ),
    "noisy_stream_sd": _float(
        "residual noise SD above which a stream is noisy (0: none is)",
        (stream_noise, "NOISY_STREAM_SD"),
        low=0.0,
    ),
    "noisy_width": _float("a noisy stream's spread factor", (selection, "NOISY_WIDTH"), low=0.01),
    "noisy_experiments": _whole(
        "1: a noisy stream's experiments ask no follow-ups and no scheduled retests;"
        " 0: they run as any other's",
        (experiments, "NOISY_EXPERIMENTS_DIFFER"),
        low=0,
        high=1,
    ),
    "half_life_days": _float(
        "days in which a score loses half its weight",
        (decay, "DECAY_RATE"),
        low=1.0,
        stored=lambda days: math.log(2) / days,
    ),
    "retest_after_days": _whole(
        "days before an experiment runs again", (experiments, "RETEST_AFTER_DAYS"), low=1
    ),
    "retest_min_samples": _whole(
        "posts per option a retest asks", (experiments, "RETEST_MIN_SAMPLES"), low=1
    ),
    "follow_up_z": _float(
        "predictive SDs an option's posts must stand above its posterior to be followed up",
        (experiments, "FOLLOW_UP_Z"),
        low=0.0,
    ),
    "follow_up_in_flight": _whole(
        "follow-up posts asked at a time", (experiments, "FOLLOW_UP_IN_FLIGHT"), low=1
    ),
    "follow_up_max": _whole(
        "follow-up posts at most (0: no follow-ups)", (experiments, "FOLLOW_UP_MAX"), low=0
    ),
    "follow_up_adjusted": _whole(
        "1: an option's surprise is judged on its posts' scores less their other options'"
        " effects (the posterior's scale); 0: on their raw scores",
        (experiments, "FOLLOW_UP_ADJUSTED"),
        low=0,
        high=1,
    ),
    "experiment_posts": _whole(
        "posts a first experiment asks in all, split among its options (0: 5 each)",
        (experiments, "EXPERIMENT_POSTS"),
        low=0,
    ),
    "experiment_min_each": _whole(
        "posts each option gets at least when experiment_posts splits them",
        (experiments, "EXPERIMENT_MIN_EACH"),
        low=1,
    ),
    "drop_threshold": _float(
        "the drop CUSUM's alarm level", *((m, "THRESHOLD") for m in _DETECTORS), low=0.1
    ),
    "rise_threshold": _float(
        "a rise CUSUM's alarm level", *((m, "RISE_THRESHOLD") for m in _DETECTORS), low=0.1
    ),
    "pre_change_weight": _float(
        "how much evidence from before a detected drop or rise counts",
        (change_detection, "PRE_CHANGE_WEIGHT"),
        (posteriors, "PRE_CHANGE_WEIGHT"),
        low=0.0,
        high=1.0,
    ),
    "rise_min_posts": _whole(
        "earlier posts an option needs before a rise is judged",
        *((m, "RISE_MIN_POSTS") for m in _DETECTORS),
        low=1,
    ),
}


def parse_settings(texts: list[str]) -> dict[str, float]:
    """`name=value` pairs, checked: an unknown name, a value that is not a number or one below
    what the constant can mean is refused with the name and value."""
    settings: dict[str, float] = {}
    for text in texts:
        name, equals, raw = text.partition("=")
        name = name.strip()
        if not equals:
            raise ValueError(f"--set {text!r}: expected name=value, e.g. posterior_width=0.35")
        tunable = TUNABLES.get(name)
        if tunable is None:
            raise ValueError(f"--set {name!r}: unknown constant; choose from {sorted(TUNABLES)}")
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"--set {name}={raw!r}: the value must be a number") from None
        if not math.isfinite(value) or value < tunable.low:
            raise ValueError(f"--set {name}={raw}: must be at least {tunable.low:g}")
        if value > tunable.high:
            raise ValueError(f"--set {name}={raw}: must be at most {tunable.high:g}")
        if tunable.convert is int and value != int(value):
            raise ValueError(f"--set {name}={raw}: must be a whole number")
        if name in settings:
            raise ValueError(f"--set {name}: given twice")
        settings[name] = value
    return settings


def describe(settings: Mapping[str, float]) -> str:
    return ", ".join(f"{name}={value:g}" for name, value in settings.items())


@contextmanager
def overridden(settings: Mapping[str, float]) -> Iterator[None]:
    """Toby's constants set to `settings` inside the block, and put back after it."""
    saved: dict[tuple[ModuleType, str], object] = {}
    try:
        for name, value in settings.items():
            for (module, attribute), held in TUNABLES[name].store(value).items():
                saved.setdefault((module, attribute), getattr(module, attribute))
                setattr(module, attribute, held)
        yield
    finally:
        for (module, attribute), original in saved.items():
            setattr(module, attribute, original)
