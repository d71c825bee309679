"""Users in batches: a stage reads the rows of a few dozen users at a time, so its memory is
bounded by a batch, not by how many users there are."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

USERS_PER_READ = 50


def user_batches(users: Sequence[str], size: int = USERS_PER_READ) -> Iterator[list[str]]:
    ordered = list(users)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
