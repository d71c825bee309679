"""Work on many accounts at once, one call at a time per account.

A live platform answers each call in hundreds of milliseconds, so a shared slot of thousands of
brands only goes out on time when calls overlap. Platforms bound concurrency per account (one
publish at a time) and per app; so do we: each account's items run in order on one worker,
at most `workers` accounts at a time. A platform says how many calls it takes at once with
`concurrent_calls` (the simulated platform runs in this process: 1, no threads).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")


def concurrency_of(platform: object) -> int:
    return max(1, int(getattr(platform, "concurrent_calls", 1)))


def by_account(items: Iterable[Item], account: Callable[[Item], Hashable]) -> list[list[Item]]:
    groups: dict[Hashable, list[Item]] = {}
    for item in items:
        groups.setdefault(account(item), []).append(item)
    return list(groups.values())


def for_each_account(groups: list[list[Item]], work: Callable[[Item], None], workers: int) -> None:
    """`work` on every item, each group's items in order; an exception ends the whole call."""

    def run(group: list[Item]) -> None:
        for item in group:
            work(item)

    if workers <= 1 or len(groups) <= 1:
        for group in groups:
            run(group)
        return
    with ThreadPoolExecutor(
        max_workers=min(workers, len(groups)), thread_name_prefix="toby-account"
    ) as pool:
        for _ in pool.map(run, groups):
            pass
