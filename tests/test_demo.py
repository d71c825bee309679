"""`make demo`'s promise: 30 simulated days through the real assets, and Toby's last week scores
higher than its first on the simulated audience, for every brand and content type."""

import json

import pytest

from toby_pipelines.cli import main
from toby_pipelines.storage.database import PROJECT_ROOT


@pytest.mark.long(minutes=6)
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

    _the_dashboard_shows_the_demo(tmp_path, url)


def _the_dashboard_shows_the_demo(tmp_path, url):
    """Issue 13: every dashboard page opened on the demo's own data in a real Chromium, what it
    shows checked against the database (and, under `make screenshots`, photographed)."""
    import os
    import shutil
    from pathlib import Path

    import sqlalchemy as sa

    from tests.control.test_control_api import Server
    from toby_pipelines.control.app import create_app
    from toby_pipelines.resources.media import DEFAULT_BASE_URL
    from toby_pipelines.simulation.demo_world import DEMO_USER
    from toby_pipelines.storage.api_tokens import create_api_token
    from toby_pipelines.storage.database import Database

    if shutil.which("/usr/bin/chromium") is None and os.environ.get("CI", "") != "true":
        return  # `make test` installs it; a machine without it checks the rest
    from playwright.sync_api import sync_playwright

    database = Database(url)
    with database.transaction() as connection:
        token = create_api_token(connection, DEMO_USER, dt_now())
        published = connection.execute(
            sa.text("SELECT COUNT(*) FROM scheduled_posts WHERE status = 'published'")
        ).scalar()
        leaders = connection.execute(
            sa.text("SELECT COUNT(DISTINCT brand_id || content_type || dimension)"
                    " FROM toby_strategy_scores")
        ).scalar()  # fmt: skip
    media_root = tmp_path / "data" / "media"
    shots = os.environ.get("TOBY_SCREENSHOTS")
    with Server(create_app(database)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        # The rendered media, where `make dev` would serve them (http.server on 8090).
        page.route(
            f"{DEFAULT_BASE_URL}/**",
            lambda route: route.fulfill(
                path=str(media_root / route.request.url[len(DEFAULT_BASE_URL) + 1 :])
            ),
        )
        page.goto(f"{base}/toby/login")
        page.fill("input[name=token]", token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/toby/status")
        assert page.text_content("#state") == "ON"
        for section in ("status", "activity", "published", "experiments", "insights",
                        "discovery", "buffer", "review", "settings"):  # fmt: skip
            page.goto(f"{base}/toby/{section}")
            assert page.locator("h1").count() == 1 and "Traceback" not in page.content()
            if section == "published":
                assert f"of {-(-published // 25)}" in page.text_content("main")
                thumbs = page.locator("img.thumb")
                assert thumbs.count() > 0
                page.wait_for_load_state("networkidle")
                assert thumbs.first.evaluate("img => img.naturalWidth") == 1080
            if section == "insights":
                assert page.locator(".insight").count() == leaders
                assert page.locator("#trend-chart circle.week").count() >= 4 * 5  # 2x2, 5 weeks
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / f"demo-{section}.png"), full_page=True)
        browser.close()


def dt_now():
    import datetime as dt

    return dt.datetime.now(dt.UTC)
