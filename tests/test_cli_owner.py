"""The owner's command line (issue 13): --version, help with defaults, every read command as text
or --json, listing and editing users, brands, slots and discovery targets, placeholder Content
DNA refused, what `toby status` warns of, Ctrl-C, and demo/simulate on the database named."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL
from tests.test_cli import GOOD_DNA, Toby
from toby_pipelines.cli import main
from toby_pipelines.storage.database import normalize_url

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = normalize_url(PG_URL)  # the server's own database; tests make and drop their own


@pytest.fixture
def toby(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    toby = Toby(tmp_path, capsys)
    assert toby("user-add", "ana", "--email", "ana@example.com")[0] == 0
    assert toby.add_brand("glow", "ana")[0] == 0
    return toby


def rows(toby, sql):
    engine = sa.create_engine(toby.url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_version_and_help_with_defaults(capsys):
    with pytest.raises(SystemExit) as ended:
        main(["--version"])
    assert ended.value.code == 0
    from importlib.metadata import version

    assert capsys.readouterr().out.strip() == f"toby {version('toby-pipelines')}"
    with pytest.raises(SystemExit):
        main(["brand-add", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 08:00,12:00,16:00,20:00)" in text and "(default: instagram)" in text


def test_read_commands_print_text_and_json_on_request(toby):
    toby("enable", "ana")
    code, text = toby("activity", "ana")
    assert code == 0 and "Toby enabled" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert json.loads(toby("activity", "ana", "--json")[1])["items"][0]["action"] == "toby_enabled"
    for command in ("published", "experiments", "insights", "settings", "users"):
        code, text = toby(command, *(["ana"] if command != "users" else []))
        assert code == 0 and text.strip(), command
        json.loads(toby(command, *(["ana"] if command != "users" else []), "--json")[1])
    assert "explore_ratio: 0.30" in toby("settings", "ana")[1]
    status = json.loads(toby("status", "ana", "--json")[1])
    assert status["enabled"] is True and status["brands"][0]["id"] == "glow"


def test_users_and_brands_are_listed_with_their_slots(toby):
    toby("user-add", "bo", "--email", "bo@example.com")
    code, text = toby("users")
    assert code == 0 and "ana" in text and "bo" in text and "never enabled" in text
    users = json.loads(toby("users", "--json")[1])
    assert [u["id"] for u in users] == ["ana", "bo"] and users[0]["brands"] == ["glow"]
    code, text = toby("brands", "--user", "ana")
    assert code == 0 and "glow" in text and "reel 08:00, 12:00, 16:00, 20:00" in text
    (brand,) = json.loads(toby("brands", "--json")[1])
    assert brand["slot_times"] == {
        "reel": ["08:00", "12:00", "16:00", "20:00"],
        "carousel": ["10:00", "18:00"],
    }
    assert brand["handle"] == "glow" and brand["user"] == "ana"
    assert toby("brands", "--user", "nobody")[0] == 2


def test_a_brand_is_edited_field_by_field_and_bad_input_changes_nothing(toby, tmp_path):
    before = rows(toby, "SELECT * FROM brands") + rows(toby, "SELECT * FROM brand_slots")
    for args, fragment in (
        (["--reel-times", "09:00,25:00"], "25:00"),
        (["--carousel-times", "8:00,08:00"], "08:00 appears twice"),
        (["--name", ""], "--name"),
        (["--dna", str(tmp_path)], "is a directory"),
    ):
        code, text = toby("brand-edit", "glow", "--reel-times", "07:00", *args)
        assert code == 2 and fragment in text and "Traceback" not in text, text
    assert toby("brand-edit", "nope", "--name", "X")[0] == 2
    assert toby("brand-edit", "glow")[0] == 2  # nothing to change is said, not ignored
    assert rows(toby, "SELECT * FROM brands") + rows(toby, "SELECT * FROM brand_slots") == before

    dna = tmp_path / "new.json"
    dna.write_text(json.dumps({**GOOD_DNA, "topic_buckets": ["sleep", "stress"]}))
    code, text = toby(
        "brand-edit", "glow", "--name", "Glow Daily", "--reel-times", "9:30", "--dna", str(dna)
    )
    assert code == 0, text
    assert rows(toby, "SELECT name, topic_buckets FROM brands") == [
        ("Glow Daily", '["sleep", "stress"]')
    ]
    assert rows(toby, "SELECT content_type, slot_time FROM brand_slots ORDER BY 1, 2") == [
        ("carousel", "10:00"),
        ("carousel", "18:00"),
        ("reel", "09:30"),
    ]
    assert toby("brand-edit", "glow", "--carousel-times", "")[0] == 0  # no carousels
    assert rows(toby, "SELECT content_type FROM brand_slots") == [("reel",)]


def test_removing_a_brand_needs_yes_and_leaves_nothing_of_it(toby):
    toby.add_brand("calm", "ana")
    toby("discovery-add", "glow", "--hashtag", "#sleep")
    code, text = toby("brand-remove", "glow")
    assert code == 2 and "--yes" in text
    assert len(rows(toby, "SELECT id FROM brands")) == 2
    code, text = toby("brand-remove", "glow", "--yes")
    assert code == 0 and "glow removed" in text
    engine = sa.create_engine(toby.url)
    with engine.connect() as connection:
        left = {
            table: connection.execute(
                sa.text(f"SELECT COUNT(*) FROM {table} WHERE brand_id = 'glow'")
            ).scalar()
            for table in sa.inspect(connection).get_table_names()
            if "brand_id" in {c["name"] for c in sa.inspect(connection).get_columns(table)}
        }
    engine.dispose()
    assert left and set(left.values()) == {0}, left
    assert rows(toby, "SELECT id FROM brands") == [("calm",)]
    assert toby("brand-remove", "glow", "--yes")[0] == 2  # gone


def test_discovery_targets_are_listed_and_removed(toby):
    toby("discovery-add", "glow", "--competitor", "@Rival", "--hashtag", "#Sleep")
    code, text = toby("discovery-list", "glow")
    assert code == 0 and "competitor rival" in text and "hashtag sleep" in text
    assert json.loads(toby("discovery-list", "glow", "--json")[1]) == [
        {"kind": "competitor", "target": "rival"},
        {"kind": "hashtag", "target": "sleep"},
    ]
    code, text = toby("discovery-remove", "glow", "--hashtag", "#nothing")
    assert code == 2 and "not watched" in text and "nothing" in text
    assert toby("discovery-remove", "glow", "--hashtag", "#sleep")[0] == 0
    assert json.loads(toby("discovery-list", "glow", "--json")[1]) == [
        {"kind": "competitor", "target": "rival"}
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("niche", "..."), ("tone", "…"), ("topic_buckets", ["sleep", "..."]), ("niche", "TODO")],
)
def test_placeholder_content_dna_is_refused_by_field(toby, field, value):
    code, text = toby.add_brand("tmpl", "ana", **{field: value})
    assert code == 2 and field in text and "placeholder" in text, text
    assert rows(toby, "SELECT id FROM brands") == [("glow",)]


def test_status_warns_of_no_daemon_no_slots_bad_dna_and_failed_learning_runs(
    toby, tmp_path, monkeypatch
):
    import dagster as dg
    from dagster._daemon.types import DaemonHeartbeat

    toby("enable", "ana")
    toby("brand-edit", "glow", "--reel-times", "", "--carousel-times", "")
    with sa.create_engine(toby.url).begin() as connection:
        connection.execute(sa.text("UPDATE brands SET tone = '...' WHERE id = 'glow'"))
    text = toby("status", "ana")[1]
    assert "no Dagster daemon" in text and "DAGSTER_HOME" in text
    assert "glow has no posting slots" in text
    assert "Content DNA" in text and "'tone'" in text

    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    text = toby("status", "ana")[1]
    assert "no Dagster daemon is running" in text  # an instance, but no heartbeat
    with dg.DagsterInstance.get() as instance:
        for daemon in ("SCHEDULER", "SENSOR"):
            instance.add_daemon_heartbeat(
                DaemonHeartbeat(time.time(), daemon, "test-daemon", errors=[])
            )
        failed = instance.create_run_for_job(
            dg.Definitions(
                jobs=[dg.define_asset_job("learning_job")],
                assets=[dg.asset(lambda: None, name="x")],
            ).resolve_job_def("learning_job"),
            status=dg.DagsterRunStatus.FAILURE,
        )
    text = toby("status", "ana")[1]
    assert "no Dagster daemon" not in text
    assert f"last learning run failed ({failed.run_id[:8]}" in text


def test_ctrl_c_ends_a_command_with_one_line(tmp_path):
    report = tmp_path / "report.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "toby_pipelines.cli", "--database-url",
         f"sqlite:///{tmp_path / 'sim.db'}", "simulate", "--scenario",
         str(ROOT / "examples" / "scenario.json"), "--audience", "examples.audience:audience",
         "--days", "30", "--report", str(report)],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not any(tmp_path.glob("sim.db")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "toby: interrupted"
    assert not report.exists()


def _users(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(sa.text("SELECT id FROM users")).scalars())
    finally:
        engine.dispose()


def test_demo_and_simulate_check_everything_before_touching_the_database(toby, tmp_path):
    users = _users(toby.url)
    for args, fragment in (
        (["demo", "--days", "3"], "--days"),
        (["demo", "--report", str(tmp_path / "missing" / "r.json")], "--report"),
        (["demo", "--report", str(tmp_path)], "is a directory"),
        (["simulate", "--scenario", str(tmp_path / "missing.json")], "--scenario"),
        (
            [
                "simulate",
                "--scenario",
                str(ROOT / "examples" / "scenario.json"),
                "--audience",
                "no.such:audience",
            ],
            "--audience",
        ),
    ):
        code, text = toby(*args)
        assert code == 2 and fragment in text and "Traceback" not in text, (args, text)
        assert _users(toby.url) == users  # nothing deleted, nothing written
    # The database named holds another user's data: refused unless told to replace it.
    code, text = toby("simulate", "--scenario", str(ROOT / "examples" / "scenario.json"))
    assert code == 2 and "--replace" in text and "1 user" in text
    assert _users(toby.url) == users


@pytest.fixture
def empty_postgres_name():
    name = f"toby_cli_{os.getpid()}_{time.monotonic_ns()}"
    yield name
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.mark.long(minutes=2)
def test_simulate_runs_on_the_postgresql_database_named_creating_it(
    tmp_path, capsys, monkeypatch, empty_postgres_name
):
    url = sa.engine.make_url(ADMIN_URL).set(database=empty_postgres_name)
    url = url.render_as_string(hide_password=False)
    monkeypatch.setenv("TOBY_DATABASE_URL", url)
    args = ["simulate", "--scenario", str(ROOT / "examples" / "scenario.json"), "--days", "4",
            "--report", str(tmp_path / "report.json")]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    assert _users(url) == ["ana"]
    assert main(args) == 2  # now it holds data
    assert "--replace" in capsys.readouterr().err
    assert main([*args, "--replace"]) == 0
    assert _users(url) == ["ana"]
    assert json.loads((tmp_path / "report.json").read_text())["posts"]


def test_a_missing_postgresql_database_is_a_message(tmp_path, capsys):
    url = sa.engine.make_url(ADMIN_URL).set(database="toby_no_such_database")
    code = main(["--database-url", url.render_as_string(hide_password=False), "users"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "toby_no_such_database" in err
    assert len(err.strip().splitlines()) == 1


def test_the_example_content_dna_is_complete():
    from toby_pipelines.content.content_dna import validate_content_dna

    dna = json.loads((ROOT / "examples" / "dna.json").read_text())
    validate_content_dna("example", dna)


def test_an_email_taken_is_refused_and_a_user_is_edited(toby):
    code, text = toby("user-add", "bo", "--email", "ana@example.com")
    assert code == 2 and "email 'ana@example.com' is already user 'ana'" in text, text
    assert toby("user-add", "bo", "--email", "bo@example.com")[0] == 0
    code, text = toby("user-edit", "bo", "--email", "ana@example.com")
    assert code == 2 and "already user 'ana'" in text
    code, text = toby("user-edit", "bo", "--email", "bo-at-example")
    assert code == 2 and "bo-at-example" in text
    assert toby("user-edit", "bo")[0] == 2  # nothing to change is said
    assert toby("user-edit", "zed", "--name", "Zed")[0] == 2
    assert toby("user-edit", "bo", "--name", "Bo Li", "--email", "bo@li.example")[0] == 0
    assert rows(toby, "SELECT id, email, name FROM users WHERE id = 'bo'") == [
        ("bo", "bo@li.example", "Bo Li")
    ]
