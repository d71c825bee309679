"""Users mapped to shards, stably: a user's shard depends only on their id and the shard count.

Every learning stage works per user (a brand learns only from its own user's brands), so users
split into shards whose runs never read or write each other's rows. TOBY_LEARNING_SHARDS sets
how many (1 by default: one run per day, as on a single machine).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

SHARDS_VARIABLE = "TOBY_LEARNING_SHARDS"
MAX_SHARDS = 256


def shard_of(user_id: str, count: int) -> int:
    digest = hashlib.sha256(user_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True)
class Shard:
    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS or not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")

    @property
    def whole(self) -> bool:
        return self.count == 1

    def owns(self, user_id: str) -> bool:
        return self.whole or shard_of(user_id, self.count) == self.index

    def __str__(self) -> str:
        return "all users" if self.whole else f"shard {self.index} of {self.count}"


ALL_USERS = Shard()


def configured_shard_count() -> int:
    raw = os.environ.get(SHARDS_VARIABLE, "1").strip() or "1"
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_SHARDS:
        raise ValueError(
            f"{SHARDS_VARIABLE} must be a whole number from 1 to {MAX_SHARDS}, got {raw!r}"
        )
    return count
