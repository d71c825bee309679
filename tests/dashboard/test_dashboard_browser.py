"""The owner's dashboard in a real headless Chromium (Debian's, driven by Playwright) against a
real uvicorn server on 127.0.0.1 and eight simulated days of two users."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from tests.control.test_control_api import NOW, Server, lived_world
from tests.world import START, resources_for
from toby_pipelines.control.app import create_app
from toby_pipelines.definitions import defs as load_defs

CHROMIUM = "/usr/bin/chromium"
# `make test` installs Debian's chromium; outside CI a machine without it skips these tests.
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and os.environ.get("CI", "").lower() != "true",
    reason="Debian's chromium is not installed (make browser installs it)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    database, tokens = lived_world(tmp_path_factory.mktemp("dashboard") / "toby.db")
    with Server(create_app(database, clock=lambda: NOW)) as base:
        yield base, tokens, database


@pytest.fixture
def screenshots(tmp_path):
    """Each page photographed as it rendered, and the picture checked not to be blank (the
    README's pictures are the demo's: tests/test_demo.py under `make screenshots`)."""
    folder = tmp_path

    def take(page, name: str) -> None:
        path = folder / f"{name}.png"
        page.set_viewport_size({"width": 1200, "height": 800})
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{name}: the screenshot is blank"

    return take


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def signed_in(browser, base, token):
    page = browser.new_context().new_page()
    page.goto(f"{base}/toby/status")
    assert page.url.endswith("/toby/login")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/toby/status")
    return page


def test_signing_in_needs_a_real_token(site, browser):
    base, _, _ = site
    page = browser.new_context().new_page()
    page.goto(f"{base}/toby/login")
    page.fill("input[name=token]", "toby_made-up")
    page.click("button[type=submit]")
    assert "unknown or revoked" in page.text_content(".error")
    page.goto(f"{base}/toby/published")
    assert page.url.endswith("/toby/login")


def test_the_status_bar_shows_state_phase_and_buffer_and_toggles(site, browser):
    base, tokens, _ = site
    page = signed_in(browser, base, tokens["u1"])
    assert page.text_content("#state") == "ON"
    assert page.text_content("#phase") in ("bootstrap", "learning")
    assert page.text_content("#health") in ("HEALTHY", "LOW", "CRITICAL")
    page.click("#toggle")
    page.wait_for_url(f"{base}/toby/status")
    assert page.text_content("#state") == "OFF"
    page.click("#toggle")
    assert page.text_content("#state") == "ON"


def test_every_section_renders_the_users_own_data(site, browser, screenshots):
    base, tokens, _ = site
    page = signed_in(browser, base, tokens["u1"])
    screenshots(page, "status")

    page.goto(f"{base}/toby/activity")
    assert page.locator("tbody tr").count() == 25
    first_page = page.locator("tbody tr").first.text_content()
    screenshots(page, "activity")
    page.click("#older")
    assert "page=2" in page.url and page.locator("tbody tr").first.text_content() != first_page
    page.goto(f"{base}/toby/activity?action=published")
    levels = page.locator("tbody tr td:nth-child(3)").all_text_contents()
    assert levels and set(levels) == {"published"}

    page.goto(f"{base}/toby/published")
    titles = page.locator("tbody tr td:nth-child(2)").all_text_contents()
    assert titles and all(t.strip() for t in titles)
    brands = set(page.locator("tbody tr td:nth-child(3)").all_text_contents())
    assert brands <= {"u1-b0", "u1-b1"}
    assert page.locator(".badge").count() > 0
    screenshots(page, "published")

    page.goto(f"{base}/toby/experiments")
    assert page.locator("tbody tr").count() > 0
    screenshots(page, "experiments")

    page.goto(f"{base}/toby/insights")
    assert page.locator(".insight").count() > 0
    assert page.locator("svg rect.lead").count() == page.locator(".insight").count()
    weeks = page.locator("#weekly tbody tr").count()
    assert weeks > 0
    assert page.locator("#trend-chart circle.week").count() == weeks  # a point per week
    assert page.locator("#trend-chart polyline.trend").count() == len(
        {tuple(row.split("\t")[:2]) for row in _cells(page, "#weekly tbody tr", 2)}
    )
    assert "Game changers" in page.text_content("body")
    screenshots(page, "insights")

    page.goto(f"{base}/toby/buffer")
    assert page.locator("tbody tr").count() > 0
    screenshots(page, "buffer")

    page.goto(f"{base}/toby/discovery")
    assert "Discovery" in page.text_content("h1")

    other = signed_in(browser, base, tokens["u2"])
    other.goto(f"{base}/toby/published")
    assert set(other.locator("tbody tr td:nth-child(3)").all_text_contents()) <= {"u2-b0", "u2-b1"}


def _cells(page, rows: str, columns: int) -> list[str]:
    """Each row's first `columns` cells, tab-joined."""
    return [
        "\t".join(row.locator("td").nth(i).text_content() for i in range(columns))
        for row in page.locator(rows).all()
    ]


def _budget_and_reels(database):
    import sqlalchemy as sa

    with database.engine.connect() as connection:
        cents = connection.execute(
            sa.text("SELECT daily_budget_cents FROM toby_state WHERE user_id = 'u2'")
        ).scalar()
        reels = connection.execute(
            sa.text(
                "SELECT slot_time FROM brand_slots WHERE brand_id = 'u2-b0'"
                " AND content_type = 'reel' ORDER BY slot_time"
            )
        ).scalars()
        return cents, list(reels)


def test_settings_save_refuse_bad_input_and_reset_only_when_confirmed(site, browser, screenshots):
    base, tokens, database = site
    page = signed_in(browser, base, tokens["u2"])
    page.goto(f"{base}/toby/settings")
    screenshots(page, "settings")
    page.fill("input[name=explore_ratio]", "abc")
    page.click("form[action='/toby/settings'] button")
    assert "explore_ratio" in page.text_content("#error")
    page.fill("input[name=explore_ratio]", "0.25")
    page.uncheck("input[name=feature_discovery]")
    page.click("form[action='/toby/settings'] button")
    assert page.text_content("#note") == "Saved."
    assert page.input_value("input[name=explore_ratio]") == "0.25"
    assert not page.is_checked("input[name=feature_discovery]")
    page.goto(f"{base}/toby/status")
    assert "off: discovery" in page.text_content("body")

    page.goto(f"{base}/toby/settings")
    assert page.input_value("input[name=daily_budget_usd]") == ""  # no limit
    reels = "input[name='slots:u2-b0:reel']"
    _, before = _budget_and_reels(database)
    assert before and page.input_value(reels) == ", ".join(before)
    page.fill(reels, "7:30, 25:00")
    page.fill("input[name=daily_budget_usd]", "1.75")
    page.click("form[action='/toby/settings'] button")
    assert "slot_times.u2-b0.reel" in page.text_content("#error")
    assert "25:00" in page.text_content("#error")
    assert _budget_and_reels(database) == (None, before)
    page.fill(reels, "7:30, 19:00")
    page.fill("input[name=daily_budget_usd]", "1.75")
    page.click("form[action='/toby/settings'] button")
    assert page.text_content("#note") == "Saved."
    assert page.input_value(reels) == "07:30, 19:00"
    assert page.input_value("input[name=daily_budget_usd]") == "1.75"
    assert _budget_and_reels(database) == (175, ["07:30", "19:00"])
    page.goto(f"{base}/toby/activity")
    assert "daily AI budget $1.75" in page.text_content("tbody")

    page.goto(f"{base}/toby/settings")
    page.click("form[action='/toby/reset'] button")
    assert "confirm" in page.text_content("#error")
    page.check("input[name=confirm]")
    page.click("form[action='/toby/reset'] button")
    assert page.text_content("#note").startswith("Reset:")
    page.goto(f"{base}/toby/activity")
    assert "Toby was reset" in page.text_content("tbody")
    assert START + dt.timedelta(days=8) < NOW


def test_review_mode_approves_and_rejects_from_the_page(tmp_path, browser, screenshots):
    """Its own world: u1 in review mode, one tick planned, the page decides two posts."""
    import dagster as dg
    import sqlalchemy as sa

    database, tokens = lived_world(tmp_path / "review.db", users=("u1",), days=0)
    with database.transaction() as connection:
        connection.execute(sa.text("UPDATE toby_state SET review_mode = 'skip'"))
    url = str(database.engine.url)
    later = START
    load_defs().resolve_job_def("toby_tick_job").execute_in_process(
        resources=resources_for(url, later), instance=dg.DagsterInstance.ephemeral()
    )
    with Server(create_app(database, clock=lambda: later)) as base:
        page = signed_in(browser, base, tokens["u1"])
        page.goto(f"{base}/toby/review")
        assert page.text_content("#mode") == "skip"
        waiting = page.locator("tbody tr").count()
        assert waiting > 2
        screenshots(page, "review")
        page.locator("button.approve").first.click()
        page.wait_for_url(f"{base}/toby/review")
        assert page.locator("tbody tr").count() == waiting - 1
        page.locator("input[name=reason]").first.fill("too salesy")
        page.locator("button.reject").first.click()
        assert page.locator("tbody tr").count() == waiting - 2
        page.goto(f"{base}/toby/activity")
        body = page.text_content("tbody")
        assert "Approved" in body and "too salesy" in body


def test_a_post_with_media_shows_its_thumbnail():
    from toby_pipelines.dashboard.pages import thumbnail

    assert "<img" in thumbnail("http://127.0.0.1:8090/k/slide-1.jpg", "image")
    assert "<video" in thumbnail("http://127.0.0.1:8090/k/reel.mp4", "video")
    assert thumbnail(None, None) == ""
    assert "&lt;" in thumbnail("http://x/<script>", "image")  # escaped
