"""`make demo`'s promise: 30 simulated days through the real assets, and Toby's last week scores
higher than its first on the simulated audience, for every brand and content type."""

import json

from toby_pipelines.cli import main
from toby_pipelines.storage.database import PROJECT_ROOT


def test_demo_learns_and_writes_its_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOBY_DATA_DIR", str(tmp_path / "data"))  # the embedded media store
    # The project's Dagster instance, as `make demo` sets it: `make dev` shows what it holds.
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    report_path = tmp_path / "demo-report.json"
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["--database-url", url, "demo", "--days", "30", "--report", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["publishing_days"] == 30
    assert len(report["rows"]) == 4  # two brands x reels and carousels
    for row in report["rows"]:
        assert row["first_week_posts"] >= 14 and row["last_week_posts"] >= 14, row
        assert row["last_week_mean_final_score"] > row["first_week_mean_final_score"], row
        assert set(row["leaders"]) == {
            "personality",
            "topic_bucket",
            "hook_strategy",
            "title_format",
            "visual_style",
        }
        assert row["buffer_health"] == "HEALTHY"
    printed = capsys.readouterr().out
    assert "week 1" in printed and "Healthy College" in printed
    # The media of every post due on the last simulated day are rendered and listed.
    posts = report["posts"]
    assert {"post_id", "brand_id", "content_type", "title", "caption", "media"} <= set(posts[0])
    last_day = report["end"][:10]
    due_last = [p for p in posts if p["slot_at"][:10] == last_day]
    assert len(due_last) == 16  # two brands x (6 reels + 2 carousels)
    for post in due_last:
        media = post["media"]
        assert media, post["post_id"]
        for item in media:
            path = PROJECT_ROOT / item["path"]
            assert path.is_file() and str(tmp_path) in str(path.resolve())
        if post["content_type"] == "reel":
            [video] = media
            assert (video["kind"], video["width"], video["height"]) == ("video", 1080, 1920)
            assert 6 <= video["duration_s"] <= 20
        else:
            assert 2 <= len(media) <= 10
            assert {(m["kind"], m["width"], m["height"]) for m in media} == {("image", 1080, 1350)}
    assert all(p["media"] == [] for p in posts if p["slot_at"][:10] < last_day)
    # Text that does not repeat: at least 95% distinct titles per brand, no repeated caption.
    for brand in {p["brand_id"] for p in posts}:
        mine = [p for p in posts if p["brand_id"] == brand]
        assert len({p["title"] for p in mine}) >= 0.95 * len(mine), brand
        assert len({p["caption"] for p in mine}) == len(mine), brand
    # The demo's days are in the project's instance, partition by partition.
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home))
    materialized = instance.get_materialized_partitions(dg.AssetKey("strategy_posteriors"))
    assert len(materialized) >= 30
