"""A batch of users' change detectors for one day: carried from yesterday's stored states where
they can be (`carried_detection`), started again from the horizon where they cannot, and the
day's states to store. A batch is run in lockstep; should that fail, each user is run alone, so
a failure stays with the user whose data caused it (who then replays their horizon in
`learn_streams`, as before carrying, and stores no state that day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from toby_pipelines.storage.detector_states import StoredDetector
from toby_pipelines.strategy.carried_detection import (
    StreamDetection,
    arrived_today,
    carry_detection,
    state_from_json,
    state_to_json,
)
from toby_pipelines.strategy.change_detection import ChangePoint
from toby_pipelines.strategy.posteriors import UserStreams


@dataclass
class DetectedBatch:
    """{user: {(brand, content type): changes}}, {user: the day's states to store}, and how many
    streams went on from yesterday and how many started again."""

    changes: dict[str, dict[tuple[str, str], list[ChangePoint]]] = field(default_factory=dict)
    states: dict[str, list[StoredDetector]] = field(default_factory=dict)
    carried: int = 0
    started_again: int = 0


def detect_batch(
    streams_of: Mapping[str, UserStreams],
    arrived_of: Mapping[str, set[str]],
    stored: Mapping[tuple[str, str], StoredDetector],
    since_of: Mapping[str, dt.date],
    horizon_start: dt.date,
) -> DetectedBatch:
    """`arrived_of`: each user's posts whose final score arrived today; `stored`: yesterday's
    states of the batch's streams; `since_of`: the day each user who reset Toby learns from."""

    def attempt(users: list[str]) -> None:
        # States are read afresh for each attempt: a failed one may have changed them.
        items = {
            user: _items(user, streams_of[user], arrived_of.get(user, set()), stored,
                         since_of.get(user))
            for user in users
        }  # fmt: skip
        _carry(batch, users, items, since_of, horizon_start)

    batch = DetectedBatch()
    try:
        attempt(list(streams_of))
    except Exception:  # each user alone: only the one whose data fails loses carrying
        for user in streams_of:
            try:
                attempt([user])
            except Exception:
                continue
    return batch


def _items(user, streams: UserStreams, arrived: set[str], stored, since) -> list[StreamDetection]:
    items = []
    for (brand_id, content_type), finals in streams.finals.items():
        state = None
        kept = stored.get((brand_id, content_type))
        if kept is not None and kept.user_id == user and kept.learning_since == since:
            try:
                state = state_from_json(kept.state, brand_id, content_type)
            except ValueError:
                state = None  # started again from the horizon
        items.append(
            StreamDetection(
                brand_id, content_type, state, finals,
                arrived_today(finals, arrived) if state is not None else [],
            )
        )  # fmt: skip
    return items


def _carry(batch: DetectedBatch, users, items, since_of, horizon_start) -> None:
    """Carry `users`' detectors together; added to `batch` only once all of them are done."""
    streams = [item for user in users for item in items[user]]
    states = iter(carry_detection(streams, horizon_start))
    changes: dict = {}
    stored: dict = {}
    for user in users:
        changes[user], stored[user] = {}, []
        for item, state in zip(items[user], states, strict=False):
            changes[user][(item.brand_id, item.content_type)] = list(state.changes)
            stored[user].append(
                StoredDetector(
                    user, item.brand_id, item.content_type, since_of.get(user), state_to_json(state)
                )
            )
    batch.changes.update(changes)
    batch.states.update(stored)
    for item in streams:
        if item.rebuilt:
            batch.started_again += 1
        else:
            batch.carried += 1
