"""Daily UTC partitions shared by the learning assets; today's partition exists while it fills."""

import dagster as dg

daily_partitions = dg.DailyPartitionsDefinition(start_date="2025-01-01", end_offset=1)


def window(start_offset: int) -> dg.TimeWindowPartitionMapping:
    """Reads the partitions from `start_offset` days back through the same day."""
    return dg.TimeWindowPartitionMapping(
        start_offset=start_offset, end_offset=0, allow_nonexistent_upstream_partitions=True
    )
