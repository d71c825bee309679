"""`make demo`'s promise: 30 simulated days through the real assets, and Toby's last week scores
higher than its first on the simulated audience, for every brand and content type."""

import json

from toby_pipelines.cli import main


def test_demo_learns_and_writes_its_report(tmp_path, capsys):
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
