"""The learning assets' partitions: one per UTC day (today's exists while it fills), from
TOBY_PARTITIONS_START (YYYY-MM-DD; by default 2025-01-01), and with TOBY_LEARNING_SHARDS above 1
one per day and user shard, so a day's learning becomes that many independent runs the run
queue and executor spread over workers. Set the start to the day Toby first ran, so the UI's
partition bars show the days that exist instead of hundreds of missing ones."""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg

from toby_pipelines.sharding.shards import ALL_USERS, Shard, configured_shard_count

START_VARIABLE = "TOBY_PARTITIONS_START"
DEFAULT_START = "2025-01-01"


def configured_start() -> str:
    raw = os.environ.get(START_VARIABLE, "").strip() or DEFAULT_START
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ValueError(f"{START_VARIABLE} must be a date like 2026-03-01, got {raw!r}") from None


daily_partitions = dg.DailyPartitionsDefinition(start_date=configured_start(), end_offset=1)
SHARD_COUNT = configured_shard_count()
DAY, SHARD = "day", "shard"


def shard_key(index: int) -> str:
    return f"{index:03d}"


shard_partitions = dg.StaticPartitionsDefinition([shard_key(i) for i in range(SHARD_COUNT)])
learning_partitions: dg.PartitionsDefinition = (
    daily_partitions
    if SHARD_COUNT == 1
    else dg.MultiPartitionsDefinition({DAY: daily_partitions, SHARD: shard_partitions})
)


def window(start_offset: int) -> dg.PartitionMapping:
    """Reads the partitions from `start_offset` days back through the same day (same shard)."""
    days = dg.TimeWindowPartitionMapping(
        start_offset=start_offset, end_offset=0, allow_nonexistent_upstream_partitions=True
    )
    if SHARD_COUNT == 1:
        return days
    return dg.MultiPartitionMapping(
        {
            DAY: dg.DimensionPartitionMapping(DAY, days),
            SHARD: dg.DimensionPartitionMapping(SHARD, dg.IdentityPartitionMapping()),
        }
    )


def learning_partition(partition_key: str | dg.MultiPartitionKey) -> tuple[dt.date, Shard]:
    """The day and the users a learning partition covers."""
    if SHARD_COUNT > 1 and not isinstance(partition_key, dg.MultiPartitionKey):
        partition_key = learning_partitions.get_partition_key_from_str(partition_key)
    if isinstance(partition_key, dg.MultiPartitionKey):
        keys = partition_key.keys_by_dimension
        return dt.date.fromisoformat(keys[DAY]), Shard(int(keys[SHARD]), SHARD_COUNT)
    return dt.date.fromisoformat(partition_key), ALL_USERS


def learning_partition_keys(day: dt.date) -> list[str]:
    """Every learning partition of a day: the day itself, or each of its shards."""
    if SHARD_COUNT == 1:
        return [day.isoformat()]
    return [
        dg.MultiPartitionKey({DAY: day.isoformat(), SHARD: shard_key(i)})
        for i in range(SHARD_COUNT)
    ]
