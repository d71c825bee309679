"""`toby simulate` runs a scenario through the real assets and reports every post."""

import json
from pathlib import Path

import pytest

from toby_pipelines.cli import main
from toby_pipelines.simulation.scenario import InvalidScenario, parse_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "scenario.json"


def test_simulate_reports_every_post_with_choices_propensity_and_scores(tmp_path, capsys):
    report_path = tmp_path / "report.json"
    code = main(
        [
            "--database-url",
            f"sqlite:///{tmp_path / 'sim.db'}",
            "simulate",
            "--scenario",
            str(EXAMPLE),
            "--audience",
            "examples.audience:audience",
            "--days",
            "4",
            "--report",
            str(report_path),
        ]
    )
    assert code == 0
    report = json.loads(report_path.read_text())
    posts = report["posts"]
    # Healthy College: 3 reels + 1 carousel a day for 4 days; Longevity Lab joins on day 3.
    assert sum(p["brand_id"] == "healthy-college" for p in posts) == 16
    assert sum(p["brand_id"] == "longevity-lab" for p in posts) == 2
    for p in posts:
        assert 0 < p["propensity"] <= 1
        assert p["score_7d"] is not None and set(p["metrics"]["7d"]) >= {"views", "follows"}
        assert (
            p["options"]["visual_style"]
            in report["option_pools"][p["brand_id"]][p["content_type"]]["visual_style"]
        )
    assert report["option_pools"]["longevity-lab"]["reel"]["visual_style"] == [
        "dark_cinematic",
        "light_clean",
    ]
    # Where learning ended: every option of every pool, with mean, interval and P(best).
    posteriors = report["posteriors"]
    pools = report["option_pools"]
    expected = {
        (brand, content_type, dimension, option)
        for brand, by_type in pools.items()
        for content_type, dims in by_type.items()
        for dimension, options in dims.items()
        for option in options
    }
    assert {
        (p["brand_id"], p["content_type"], p["dimension"], p["option"]) for p in posteriors
    } == expected
    for p in posteriors:
        low, high = p["interval_90"]
        assert low < p["posterior_mean"] < high and 0 <= p["prob_best"] <= 1
    sampled = [p for p in posteriors if p["brand_id"] == "healthy-college" and p["posts"] > 0]
    assert sampled
    for dimension in {p["dimension"] for p in sampled}:
        group = [
            p
            for p in posteriors
            if (p["brand_id"], p["content_type"], p["dimension"])
            == ("healthy-college", "reel", dimension)
        ]
        assert sum(p["prob_best"] for p in group) == pytest.approx(1.0, abs=1e-9)
    experiments = {
        (e["brand_id"], e["content_type"], e["dimension"]) for e in report["experiments"]
    }
    assert ("healthy-college", "reel", "personality") in experiments


def test_bad_scenarios_name_the_field_and_value():
    data = json.loads(EXAMPLE.read_text())
    data["brands"][1]["followers"] = -5
    with pytest.raises(InvalidScenario, match=r"brands\[1\]\.followers must be >= 0, got -5"):
        parse_scenario(data, 14)
    data = json.loads(EXAMPLE.read_text())
    data["brands"][0]["joins_on_day"] = 30
    with pytest.raises(InvalidScenario, match=r"brands\[0\]\.joins_on_day must be in 0\.\.13"):
        parse_scenario(data, 14)
