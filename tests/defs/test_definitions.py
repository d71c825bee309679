"""The code location users open: asset keys, their lineage, jobs, schedules and sensors.

Renaming an asset or dropping an edge silently breaks the UI's lineage and users' backfills;
this pins what they rely on.
"""

import dagster as dg

from toby_pipelines.definitions import defs

DEFS = defs()
GRAPH = DEFS.resolve_asset_graph()


def parents(name):
    return {key.to_user_string() for key in GRAPH.get(dg.AssetKey(name)).parent_keys}


def test_asset_keys():
    assert {k.to_user_string() for k in DEFS.resolve_all_asset_keys()} == {
        "metrics_snapshots",
        "scored_posts",
        "brand_baselines",
        "strategy_posteriors",
        "content_buffer",
        "post_media",
        "published_posts",
        "discovery",
    }


def test_lineage():
    assert parents("metrics_snapshots") == set()
    assert parents("scored_posts") == {"metrics_snapshots"}
    assert parents("brand_baselines") == {"scored_posts", "metrics_snapshots"}
    assert parents("strategy_posteriors") == {"scored_posts", "discovery"}
    assert parents("discovery") == set()
    assert parents("content_buffer") == {"strategy_posteriors", "brand_baselines"}
    assert parents("post_media") == {"content_buffer"}
    assert parents("published_posts") == {"post_media"}


def test_scored_posts_reads_yesterdays_baseline_window():
    mapping = GRAPH.get_partition_mapping(
        dg.AssetKey("scored_posts"), dg.AssetKey("metrics_snapshots")
    )
    assert (mapping.start_offset, mapping.end_offset) == (-14, 0)


def test_every_asset_has_docs_group_and_owner():
    for key in DEFS.resolve_all_asset_keys():
        node = GRAPH.get(key)
        assert node.description and len(node.description) > 80, key
        assert node.group_name != "default", key
        assert node.owners == ["team:toby"], key


def test_jobs_schedule_and_sensor():
    tick = DEFS.resolve_job_def("toby_tick_job")
    learning = DEFS.resolve_job_def("learning_job")
    assert learning.partitions_def is not None
    schedule = DEFS.resolve_schedule_def("toby_tick_schedule")
    assert schedule.cron_schedule == "*/5 * * * *"
    assert schedule.job_name == tick.name
    sensor = DEFS.resolve_sensor_def("metrics_checkpoint_sensor")
    assert sensor.job_name == learning.name
    discovery = DEFS.resolve_schedule_def("discovery_schedule")
    assert discovery.cron_schedule == "*/20 * * * *"
    assert discovery.job_name == DEFS.resolve_job_def("discovery_job").name


def test_buffer_health_check_exists():
    keys = {key.name for key in DEFS.resolve_asset_graph().asset_check_keys}
    assert "buffer_is_healthy" in keys


def test_every_asset_check_says_what_it_checks():
    for key in GRAPH.asset_check_keys:
        assert GRAPH.get_check_spec(key).description, key.to_user_string()


def test_the_code_location_has_one_name_everywhere():
    """`dagster dev` warned on every load that the project's name (its folder's) differed from
    the code location's (the module's)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=root, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert "does not match" not in output
    assert "code location toby_pipelines." in output


def test_every_job_has_a_freshness_check_and_incidents_have_a_sensor():
    checks = {(k.asset_key.to_user_string(), k.name) for k in GRAPH.asset_check_keys}
    for asset in (
        "content_buffer",
        "published_posts",
        "metrics_snapshots",
        "scored_posts",
        "brand_baselines",
        "strategy_posteriors",
        "discovery",
    ):
        assert any(a == asset and "fresh" in name for a, name in checks), asset
    assert ("metrics_snapshots", "captures_complete") in checks
    assert DEFS.resolve_sensor_def("toby_freshness_sensor")
    assert DEFS.resolve_sensor_def("incident_alerts_sensor")


def test_partitions_start_on_the_configured_day(monkeypatch):
    from toby_pipelines.defs import partitions

    monkeypatch.setenv("TOBY_PARTITIONS_START", "2026-03-01")
    assert partitions.configured_start() == "2026-03-01"
    monkeypatch.setenv("TOBY_PARTITIONS_START", "March 1st")
    import pytest

    with pytest.raises(ValueError, match="TOBY_PARTITIONS_START must be a date"):
        partitions.configured_start()
    monkeypatch.delenv("TOBY_PARTITIONS_START")
    assert partitions.configured_start() == "2025-01-01"


def test_loading_the_definitions_leaves_the_media_encoder_and_s3_client_unimported():
    """Every run (the tick every five minutes) loads the definitions; PyAV and boto3 cost it
    about half a second and only rendering a reel or an S3 store needs them."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from toby_pipelines.definitions import defs\n"
        "defs().resolve_job_def('toby_tick_job')\n"
        "print(sorted(m for m in ('av', 'boto3', 'botocore') if m in sys.modules))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "[]"
