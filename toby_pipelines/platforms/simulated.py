"""The embedded platform: a seeded simulated audience, revealed along the growth curve.

Publishing draws the audience's final 7-day response once and keeps it in the platform's own
tables (sim_platform_*); metrics at any age are that response scaled by the growth curve, and
an account's followers are its base count plus the follows revealed so far.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from toby_pipelines.platforms.audiences import Audience
from toby_pipelines.platforms.base import PublishRequest
from toby_pipelines.platforms.growth_curve import (
    FINAL_AGE_HOURS,
    NORMALIZER,
    TIME_CONSTANT_HOURS,
    reveal,
)
from toby_pipelines.storage.database import Database, load_json, utc


class UnknownMedia(LookupError):
    pass


def _json_default(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def _count_or_none(value: Any) -> int | None:
    """Follows as a count when the audience gave a usable one; bad values are left to validation."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer):
        return None
    return int(value) if value >= 0 else None


def _stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


class SimulatedPlatform:
    replays_history = True
    concurrent_calls = 1  # runs in this process: threads would only contend

    def __init__(self, database: Database, audience: Audience, seed: int = 0) -> None:
        self.database = database
        self.audience = audience
        self.seed = seed
        # Filled by prefetch() for one measuring window: media never change once published,
        # and an account's follows are known for the window; a publish forgets its account.
        self._media: dict[str, tuple[dt.datetime, dict]] = {}
        self._follows: dict[str, _AccountFollows] = {}

    def prefetch(self, media_ids: Sequence[str], accounts: Sequence[str], start: dt.datetime,
                 end: dt.datetime) -> None:  # fmt: skip
        """Read what measuring these media between `start` and `end` needs in a few queries
        instead of three per snapshot (the simulator's own cost: 10,000 brands measure a day
        in seconds)."""
        self._media.clear()
        self._follows.clear()
        cutoff = start - dt.timedelta(hours=FINAL_AGE_HOURS)
        with self.database.engine.connect() as connection:
            for chunk in _chunks(list(media_ids)):
                for row in connection.execute(
                    sa.text(
                        "SELECT media_id, published_at, final_metrics FROM sim_platform_media"
                        " WHERE media_id IN :ids"
                    ).bindparams(sa.bindparam("ids", expanding=True)),
                    {"ids": chunk},
                ):
                    self._media[row.media_id] = (
                        utc(row.published_at),
                        load_json(row.final_metrics),
                    )
            for chunk in _chunks(sorted(set(accounts))):
                params = {"handles": chunk, "cutoff": cutoff, "end": end}
                settled = connection.execute(
                    sa.text(
                        "SELECT a.account_handle, a.base_followers, COALESCE(SUM(m.final_follows),"
                        " 0) AS settled FROM sim_platform_accounts a LEFT JOIN sim_platform_media m"
                        " ON m.account_handle = a.account_handle AND m.published_at <= :cutoff"
                        " AND m.final_follows > 0 WHERE a.account_handle IN :handles"
                        " GROUP BY a.account_handle, a.base_followers"
                    ).bindparams(sa.bindparam("handles", expanding=True)),
                    params,
                )
                for row in settled:
                    self._follows[row.account_handle] = _AccountFollows(
                        start, end, int(row.base_followers) + int(row.settled), []
                    )
                recent = connection.execute(
                    sa.text(
                        "SELECT account_handle, published_at, final_follows FROM sim_platform_media"
                        " WHERE account_handle IN :handles AND published_at > :cutoff"
                        " AND published_at <= :end AND final_follows > 0"
                    ).bindparams(sa.bindparam("handles", expanding=True)),
                    params,
                )
                for row in recent:
                    self._follows[row.account_handle].recent.append(
                        (utc(row.published_at), int(row.final_follows))
                    )

    def register_account(self, account_handle: str, base_followers: int) -> None:
        with self.database.transaction() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO sim_platform_accounts (account_handle, base_followers, audience_seed)"
                    " VALUES (:handle, :followers, :seed) ON CONFLICT (account_handle) DO NOTHING"
                ),
                {"handle": account_handle, "followers": base_followers, "seed": self.seed},
            )

    def publish(self, request: PublishRequest, now: dt.datetime) -> str:
        with self.database.transaction() as connection:
            existing = connection.execute(
                sa.text("SELECT media_id FROM sim_platform_media WHERE idempotency_key = :key"),
                {"key": request.post_id},
            ).scalar()
            if existing:
                return existing
            followers = self._followers(connection, request.account_handle, now)
            post = {
                "post_id": request.post_id,
                "user_id": request.user_id,
                "brand_id": request.brand_id,
                "platform": request.platform,
                "content_type": request.content_type,
                "published_at": utc(now).isoformat(),
                "followers": followers,
                **request.options,
            }
            rng = np.random.default_rng([self.seed, _stable_int(request.post_id)])
            final = self.audience(dict(post), rng)
            media_id = "sim_" + hashlib.sha256(request.post_id.encode()).hexdigest()[:20]
            self._follows.pop(request.account_handle, None)
            connection.execute(
                sa.text(
                    "INSERT INTO sim_platform_media (media_id, idempotency_key, account_handle,"
                    " published_at, followers_at_publish, post, final_metrics, final_follows)"
                    " VALUES (:media_id, :key, :handle, :published_at, :followers, :post, :final,"
                    " :follows)"
                ),
                {
                    "media_id": media_id,
                    "key": request.post_id,
                    "handle": request.account_handle,
                    "published_at": now,
                    "followers": followers,
                    "post": json.dumps(post),
                    "final": json.dumps(final, default=_json_default),
                    "follows": _count_or_none(final.get("follows")),
                },
            )
            return media_id

    def fetch_metrics(
        self,
        media_id: str,
        as_of: dt.datetime,
        *,
        brand_id: str = "",
        content_type: str = "",
        platform: str = "",
    ) -> Mapping[str, Any]:
        if media_id in self._media:
            published_at, final = self._media[media_id]
            age_hours = (as_of - published_at).total_seconds() / 3600
            return {name: reveal(value, age_hours) for name, value in final.items()}
        with self.database.engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT published_at, final_metrics FROM sim_platform_media"
                    " WHERE media_id = :media_id"
                ),
                {"media_id": media_id},
            ).first()
        if row is None:
            raise UnknownMedia(f"the simulated platform has no media {media_id!r}")
        age_hours = (as_of - utc(row.published_at)).total_seconds() / 3600
        return {
            name: reveal(value, age_hours) for name, value in load_json(row.final_metrics).items()
        }

    def followers(
        self, account_handle: str, as_of: dt.datetime, *, brand_id: str = "", platform: str = ""
    ) -> int:
        known = self._follows.get(account_handle)
        if known is not None and known.start <= as_of <= known.end:
            return known.at(as_of)
        with self.database.engine.connect() as connection:
            return self._followers(connection, account_handle, as_of)

    def _followers(self, connection: sa.Connection, account_handle: str, as_of: dt.datetime) -> int:
        base = connection.execute(
            sa.text("SELECT base_followers FROM sim_platform_accounts WHERE account_handle = :h"),
            {"h": account_handle},
        ).scalar()
        if base is None:
            raise UnknownMedia(f"the simulated platform has no account {account_handle!r}")
        # Media 7 days old or more have revealed all their follows: one sum in SQL, so the
        # cost follows the last week's posts, not the account's whole history.
        cutoff = as_of - dt.timedelta(hours=FINAL_AGE_HOURS)
        settled = connection.execute(
            sa.text(
                "SELECT COALESCE(SUM(final_follows), 0) FROM sim_platform_media"
                " WHERE account_handle = :h AND published_at <= :cutoff AND final_follows > 0"
            ),
            {"h": account_handle, "cutoff": cutoff},
        ).scalar()
        rows = connection.execute(
            sa.text(
                "SELECT published_at, final_follows FROM sim_platform_media"
                " WHERE account_handle = :h AND published_at > :cutoff AND published_at <= :as_of"
                " AND final_follows > 0"
            ),
            {"h": account_handle, "cutoff": cutoff, "as_of": as_of},
        )
        gained = int(settled or 0)
        for row in rows:
            age_hours = (as_of - utc(row.published_at)).total_seconds() / 3600
            gained += reveal(int(row.final_follows), age_hours)  # type: ignore[operator]
        return int(base) + gained


@dataclass
class _AccountFollows:
    """An account's followers for any moment of [start, end]: its base count plus everything
    settled 7 days before `start`, plus what the media published since reveal by then."""

    start: dt.datetime
    end: dt.datetime
    settled_before_start: int
    recent: list[tuple[dt.datetime, int]]  # (published_at, final follows) after the cutoff

    def at(self, as_of: dt.datetime) -> int:
        # `reveal` of each media's follows, written out: measuring calls this once per snapshot
        # for every media of the account's last week.
        total = self.settled_before_start
        for published_at, follows in self.recent:
            if published_at <= as_of:
                age_hours = (as_of - published_at).total_seconds() / 3600
                if age_hours >= FINAL_AGE_HOURS:
                    total += follows
                elif age_hours > 0:
                    total += math.floor(
                        follows * ((1.0 - math.exp(-age_hours / TIME_CONSTANT_HOURS)) / NORMALIZER)
                    )
        return total


def _chunks(items: list, size: int = 1000) -> Iterator[list]:
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]
