"""The control API over a real HTTP server on 127.0.0.1: tokens, the twelve routes of spec
section 5.8, one user's rows only, bad input named, reset keeping posts and scores."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.control.app import create_app
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.storage.api_tokens import create_api_token

NOW = START + dt.timedelta(days=9, hours=7)


class Server:
    """uvicorn serving the app in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


def lived_world(path, users=("u1", "u2"), days=8):
    """`days` simulated days of `users` (SQLite file at `path`), so every route has something to
    show, and an API token for each user."""
    from toby_pipelines.storage.database import Database

    url = f"sqlite:///{path}"
    database = Database(url)
    database.migrate()
    build_world(database, users=users, brands_per_user=2)
    register_accounts(database, resources_for(url, START)["platform"].get())
    run_days(load_defs(), url, days)
    with database.transaction() as connection:
        tokens = {u: create_api_token(connection, u, START) for u in users}
    return database, tokens


@pytest.fixture(scope="module")
def lived(tmp_path_factory):
    return lived_world(tmp_path_factory.mktemp("api") / "toby.db")


@pytest.fixture
def api(lived):
    database, tokens = lived
    app = create_app(database, clock=lambda: NOW)
    with Server(app) as base:

        def client(user="u1"):
            return httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {tokens[user]}"}, timeout=30
            )

        yield client, base, database


def test_no_token_or_a_wrong_one_is_refused(api):
    _, base, _ = api
    assert httpx.get(f"{base}/api/toby/status", timeout=30).status_code == 401
    wrong = httpx.get(
        f"{base}/api/toby/status",
        headers={"Authorization": "Bearer toby_not-a-real-token"},
        timeout=30,
    )
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"


def test_tokens_are_stored_only_as_hashes(api, lived):
    _, _, database = api
    _, tokens = lived
    with database.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert len(stored) == 2
    assert not {t for t in tokens.values()} & set(stored)
    assert all(len(h) == 64 for h in stored)


def test_every_route_of_the_spec_answers_for_the_signed_in_user(api):
    client, _, _ = api
    with client() as http:
        status = http.get("/api/toby/status").json()
        assert status["enabled"] is True and status["phase"] in ("bootstrap", "learning")
        assert status["buffer"]["health"] in ("HEALTHY", "LOW", "CRITICAL")
        assert status["brands"] == ["u1-b0", "u1-b1"]

        activity = http.get("/api/toby/activity", params={"per_page": 5}).json()
        assert len(activity["items"]) == 5 and activity["total"] > 5
        second = http.get("/api/toby/activity", params={"per_page": 5, "page": 2}).json()

        def keys(page):
            return {(a["at"], a["action"], a["description"]) for a in page["items"]}

        assert len(second["items"]) == 5 and keys(activity).isdisjoint(keys(second))
        assert activity["items"][-1]["at"] >= second["items"][0]["at"]  # newest first
        published_only = http.get("/api/toby/activity", params={"action": "published"}).json()
        assert published_only["items"] and all(
            a["action"] == "published" for a in published_only["items"]
        )

        published = http.get("/api/toby/published").json()
        assert published["total"] > 0
        first = published["items"][0]
        assert first["title"] and first["brand"] in ("u1-b0", "u1-b1")
        assert {p["brand_id"] for p in published["items"]} <= {"u1-b0", "u1-b1"}
        scored = [p for p in published["items"] if p["score"] is not None]
        assert scored and all(p["badge"] in ("winner", "average", "underperformer", None)
                              for p in scored)  # fmt: skip

        experiments = http.get("/api/toby/experiments").json()["experiments"]
        assert experiments and {e["brand_id"] for e in experiments} <= {"u1-b0", "u1-b1"}

        insights = http.get("/api/toby/insights").json()
        dimension = insights["dimensions"][0]
        means = [o["mean"] for o in dimension["options"]]
        assert means == sorted(means, reverse=True)
        assert dimension["leader"] == dimension["options"][0]["option"]
        weekly = insights["weekly"]  # posts of the first days have their final scores by now
        assert weekly and all(w["posts"] > 0 and 0 <= w["mean_score"] <= 100 for w in weekly)
        assert {w["brand"] for w in weekly} <= {"u1-b0", "u1-b1"}
        assert isinstance(insights["game_changers"], list)

        assert "findings" in http.get("/api/toby/discovery").json()

        buffer = http.get("/api/toby/buffer").json()
        assert buffer["total_slots"] == len(buffer["slots"]) > 0
        assert {s["brand_id"] for s in buffer["slots"]} <= {"u1-b0", "u1-b1"}

        config = http.get("/api/toby/config").json()
        assert config["buffer_days"] == 2 and set(config["slot_times"]) == {"u1-b0", "u1-b1"}


def test_a_user_sees_nothing_of_another_user(api):
    client, _, _ = api
    with client("u2") as http:
        assert http.get("/api/toby/published", params={"brand": "u1-b0"}).status_code == 404
        assert http.get("/api/toby/published", params={"brand": "nope"}).status_code == 404
        mine = http.get("/api/toby/published").json()["items"]
        assert mine and {p["brand_id"] for p in mine} <= {"u2-b0", "u2-b1"}
        lines = http.get("/api/toby/activity", params={"per_page": 200}).json()["items"]
        assert not any("u1-" in line["description"] for line in lines)


def test_insights_say_which_streams_are_noisy_and_the_page_explains_it(api):
    """Eight days are too few posts to read a stream's noise (None, not noisy); once learning
    stored one above the threshold, the owner's insights say so and what Toby does about it."""
    from toby_pipelines.dashboard.pages import insights

    client, _, database = api
    with client() as http:
        before = http.get("/api/toby/insights").json()["dimensions"]
    assert before and all(d["noise_sd"] is None and not d["noisy"] for d in before)
    noisy = "UPDATE toby_strategy_scores SET noise_sd = :sd WHERE brand_id = 'u1-b0'"
    with database.transaction() as connection:
        connection.execute(sa.text(noisy + " AND content_type = 'reel'"), {"sd": 24.04})
        connection.execute(sa.text(noisy + " AND content_type = 'carousel'"), {"sd": 9.0})
    try:
        with client() as http:
            data = http.get("/api/toby/insights").json()
    finally:
        with database.transaction() as connection:
            connection.execute(sa.text(noisy), {"sd": None})
    found = {
        (d["brand_id"], d["content_type"], d["noise_sd"], d["noisy"]) for d in data["dimensions"]
    }
    assert found == {
        ("u1-b0", "reel", 24.0, True),
        ("u1-b0", "carousel", 9.0, False),
        ("u1-b1", "reel", None, False),
        ("u1-b1", "carousel", None, False),
    }
    html = insights(data, "u1")
    assert html.count("class='noisy'") == sum(d["noisy"] for d in data["dimensions"]) > 0
    assert "scatter about 24 points" in html


def test_config_changes_are_checked_field_by_field(api):
    client, _, _ = api
    with client() as http:
        bad = http.patch("/api/toby/config", json={"buffer_days": 30, "explore_ratio": 0.2})
        assert bad.status_code == 422 and "buffer_days" in bad.text and "30" in bad.text
        assert http.get("/api/toby/config").json()["explore_ratio"] == pytest.approx(0.3)
        unknown = http.patch("/api/toby/config", json={"budget": 5})
        assert unknown.status_code == 422 and "budget" in unknown.text
        ok = http.patch("/api/toby/config", json={"buffer_days": 3, "explore_ratio": 0.2})
        assert ok.status_code == 200
        assert (ok.json()["buffer_days"], ok.json()["explore_ratio"]) == (3, 0.2)
        http.patch("/api/toby/config", json={"buffer_days": 2, "explore_ratio": 0.3})


def test_budget_and_slot_times_are_set_through_config(api):
    client, _, database = api
    with client() as http:
        before = http.get("/api/toby/config").json()
        assert before["daily_budget_usd"] is None  # unlimited
        carousel = before["slot_times"]["u1-b0"]["carousel"]
        for body, field in (
            ({"daily_budget_usd": -1}, "daily_budget_usd"),
            ({"daily_budget_usd": "lots"}, "daily_budget_usd"),
            ({"slot_times": {"u1-b0": {"reel": ["25:00"]}}}, "slot_times.u1-b0.reel"),
            ({"slot_times": {"u1-b0": {"reel": ["8:00", "08:00"]}}}, "slot_times.u1-b0.reel"),
            ({"slot_times": {"u1-b0": {"story": ["08:00"]}}}, "slot_times.u1-b0.story"),
            ({"slot_times": {"u1-b0": {"reel": "08:00"}}}, "slot_times.u1-b0.reel"),
            ({"daily_budget_usd": 3, "slot_times": ["08:00"]}, "slot_times"),
        ):
            bad = http.patch("/api/toby/config", json=body)
            assert bad.status_code == 422 and field in bad.text, (body, bad.text)
        # A bad field changes nothing, not even the good fields beside it.
        assert http.get("/api/toby/config").json() == before
        other = http.patch("/api/toby/config", json={"slot_times": {"u2-b0": {"reel": ["09:00"]}}})
        assert other.status_code == 404

        changed = http.patch(
            "/api/toby/config",
            json={"daily_budget_usd": 2.5, "slot_times": {"u1-b0": {"reel": ["9:00", "21:30"]}}},
        ).json()
        assert changed["daily_budget_usd"] == 2.5
        assert changed["slot_times"]["u1-b0"] == {"reel": ["09:00", "21:30"], "carousel": carousel}
        with database.engine.connect() as connection:
            cents = connection.execute(
                sa.text("SELECT daily_budget_cents FROM toby_state WHERE user_id = 'u1'")
            ).scalar()
        assert cents == 250
        line = http.get("/api/toby/activity", params={"action": "settings_changed"}).json()
        line = line["items"][0]
        assert "2.50" in line["description"] and "09:00" in line["description"]

        unlimited = http.patch("/api/toby/config", json={"daily_budget_usd": None}).json()
        assert unlimited["daily_budget_usd"] is None
        http.patch("/api/toby/config", json={"slot_times": before["slot_times"]})
        assert http.get("/api/toby/config").json() == before


def test_feature_flags_are_set_through_config(api):
    client, _, _ = api
    with client() as http:
        assert http.get("/api/toby/config").json()["features"]["discovery"] is True
        bad = http.patch("/api/toby/config", json={"features": {"discovery": "off"}})
        assert bad.status_code == 422 and "features.discovery" in bad.text
        unknown = http.patch("/api/toby/config", json={"features": {"teleport": False}})
        assert unknown.status_code == 422 and "features.teleport" in unknown.text
        ok = http.patch("/api/toby/config", json={"features": {"discovery": False}}).json()
        assert ok["features"]["discovery"] is False and ok["features"]["auto_publish"] is True
        assert http.get("/api/toby/status").json()["features"]["discovery"] is False
        changed = http.get("/api/toby/activity", params={"action": "features_changed"}).json()
        assert "discovery off" in changed["items"][0]["description"]
        http.patch("/api/toby/config", json={"features": {"discovery": True}})


def test_disable_and_enable_are_logged(api):
    client, _, _ = api
    with client() as http:
        assert http.post("/api/toby/disable").json()["enabled"] is False
        assert http.post("/api/toby/enable").json()["enabled"] is True
        for action in ("toby_disabled", "toby_enabled"):
            lines = http.get("/api/toby/activity", params={"action": action}).json()["items"]
            assert lines[0]["at"] == NOW.isoformat()


def test_reset_clears_learning_and_keeps_posts_and_scores(tmp_path):
    """A user of their own, so the shared world is left as it is."""
    from toby_pipelines.storage.database import Database

    url = f"sqlite:///{tmp_path / 'reset.db'}"
    database = Database(url)
    database.migrate()
    build_world(database)
    register_accounts(database, resources_for(url, START)["platform"].get())
    run_days(load_defs(), url, 8)
    with database.transaction() as connection:
        token = create_api_token(connection, "u1", START)

    def count(sql):
        with database.engine.connect() as connection:
            return connection.execute(sa.text(sql)).scalar()

    published = count("SELECT COUNT(*) FROM scheduled_posts WHERE status = 'published'")
    scores = count("SELECT COUNT(*) FROM post_scores")
    assert count("SELECT COUNT(*) FROM toby_strategy_scores") > 0
    with Server(create_app(database, clock=lambda: NOW)) as base:
        http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        refused = http.post("/api/toby/reset", json={"confirm": False})
        assert refused.status_code == 422 and "confirm" in refused.text
        assert count("SELECT COUNT(*) FROM toby_experiments") > 0
        cleared = http.post("/api/toby/reset", json={"confirm": True}).json()["cleared"]
        assert cleared["experiments"] > 0 and cleared["posteriors"] > 0
        assert http.get("/api/toby/status").json()["phase"] == "bootstrap"
        assert http.get("/api/toby/activity").json()["items"][0]["action"] == "toby_reset"
    assert count("SELECT COUNT(*) FROM toby_experiments") == 0
    assert count("SELECT COUNT(*) FROM toby_strategy_scores") == 0
    assert count("SELECT COUNT(*) FROM scheduled_posts WHERE status = 'published'") == published
    assert count("SELECT COUNT(*) FROM post_scores") == scores
    # The next learning run learns from nothing before the reset: every option is back to its
    # prior, with no samples.
    learn = load_defs().resolve_job_def("learning_job")
    day = NOW.date().isoformat()
    learn.execute_in_process(
        resources=resources_for(url, NOW),
        partition_key=day,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert count("SELECT MAX(sample_count) FROM toby_strategy_scores") == 0


def test_the_openapi_description_lists_every_route(api):
    _, base, _ = api
    paths = httpx.get(f"{base}/api/toby/openapi.json", timeout=30).json()["paths"]
    for route in ("status", "enable", "disable", "reset", "activity", "published", "experiments",
                  "insights", "discovery", "buffer", "config"):  # fmt: skip
        assert f"/api/toby/{route}" in paths
    assert set(paths["/api/toby/config"]) == {"get", "patch"}
