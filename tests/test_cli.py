"""The `toby` command: enabling refuses bad Content DNA by field; on/off and status work."""

import json
from datetime import UTC, datetime

import pytest

from toby_pipelines.cli import main

GOOD_DNA = {
    "niche": "health",
    "tone": "calm",
    "topic_buckets": ["sleep"],
    "content_examples": ["x"],
}


class Toby:
    """Runs `toby` against one SQLite file and returns (exit code, everything printed)."""

    def __init__(self, tmp_path, capsys):
        self.tmp_path, self.capsys = tmp_path, capsys
        self.url = f"sqlite:///{tmp_path / 'cli.db'}"

    def __call__(self, *args):
        code = main(["--database-url", self.url, *args])
        out = self.capsys.readouterr()
        return code, out.out + out.err

    def add_brand(self, brand, user, **dna_changes):
        dna = self.tmp_path / f"{brand}.json"
        dna.write_text(json.dumps({**GOOD_DNA, **dna_changes}))
        return self(
            "brand-add",
            brand,
            "--user",
            user,
            "--dna",
            str(dna),
            "--handle",
            brand,
            "--followers",
            "1200",
        )


def test_enable_refuses_missing_dna_field(tmp_path, capsys):
    toby = Toby(tmp_path, capsys)
    assert toby("user-add", "ana", "--email", "ana@example.com")[0] == 0
    assert toby.add_brand("b1", "ana", tone="")[0] == 0
    code, text = toby("enable", "ana")
    assert code == 2
    assert "brand 'b1': Content DNA field 'tone' is missing or empty" in text

    assert toby.add_brand("b2", "ana")[0] == 0
    code, text = toby("enable", "ana")
    assert code == 2 and "'b1'" in text  # every brand must be valid
    assert "never been enabled" in toby("status", "ana")[1]


def test_enable_disable_status(tmp_path, capsys):
    toby = Toby(tmp_path, capsys)
    toby("user-add", "ana", "--email", "ana@example.com")
    toby.add_brand("b1", "ana")
    assert toby("enable", "ana") == (0, "Toby is ON for ana\n")
    text = toby("status", "ana")[1]
    assert "status: ON" in text and "@b1, 1200 followers" in text and "Toby enabled" in text
    assert "features: all on" in text
    assert toby("disable", "ana")[0] == 0
    assert "status: OFF" in toby("status", "ana")[1]
    from toby_pipelines.storage.database import Database
    from toby_pipelines.storage.toby_state import set_features

    with Database(toby.url).transaction() as connection:
        set_features(connection, "ana", {"discovery": False}, datetime.now(UTC))
    assert "features: off: discovery" in toby("status", "ana")[1]


def test_unknown_user_is_named(tmp_path, capsys):
    code, text = Toby(tmp_path, capsys)("enable", "nobody")
    assert code == 2 and "no user with id 'nobody'" in text


def test_linking_accounts_and_watching_competitors_name_bad_input(tmp_path, capsys):
    toby = Toby(tmp_path, capsys)
    toby("user-add", "ana", "--email", "ana@example.com")
    toby.add_brand("glow", "ana")
    assert toby("account-link", "glow", "--account-id", "17841400000000001")[0] == 0
    code, out = toby("account-link", "glow", "--platform", "x", "--account-id", "2244994945")
    assert code == 2 and "no x account" in out
    code, out = toby("account-link", "nope", "--account-id", "1")
    assert code == 2 and "no brand 'nope'" in out
    code, out = toby("discovery-add", "glow", "--competitor", "@RivalHealth", "--hashtag", "#Sleep")
    assert code == 0 and "1 competitor(s), 1 hashtag(s)" in out
    code, out = toby("discovery-add", "glow")
    assert code == 2 and "at least one --competitor or --hashtag" in out
    import sqlalchemy as sa

    engine = sa.create_engine(toby.url)
    with engine.connect() as connection:
        assert (
            connection.execute(sa.text("SELECT external_id FROM platform_accounts")).scalar()
            == "17841400000000001"
        )
        targets = connection.execute(
            sa.text("SELECT kind, target FROM discovery_targets ORDER BY kind")
        ).all()
    engine.dispose()
    assert [tuple(t) for t in targets] == [("competitor", "rivalhealth"), ("hashtag", "sleep")]


def test_account_link_reads_the_token_from_stdin_and_stores_it_encrypted(
    tmp_path, capsys, monkeypatch
):
    import io

    import sqlalchemy as sa

    from toby_pipelines.credentials.store import open_store
    from toby_pipelines.storage.database import Database

    monkeypatch.setenv("TOBY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TOBY_SECRET_KEY", raising=False)  # the embedded default makes one
    toby = Toby(tmp_path, capsys)
    toby("user-add", "ana", "--email", "ana@example.com")
    toby.add_brand("glow-daily", "ana")
    token = "IGAA-cli-linked-secret-token"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{token}\n"))
    code, text = toby(
        "account-link",
        "glow-daily",
        "--account-id",
        "1784",
        "--token-stdin",
        "--expires-in",
        "5184000",
    )
    assert code == 0 and "linked with its token (encrypted)" in text and token not in text
    assert (tmp_path / "data" / "secret.key").exists()
    database = Database(toby.url)
    with database.engine.connect() as connection:
        [(stored,)] = connection.execute(sa.text("SELECT access_token FROM platform_credentials"))
    assert token not in stored
    assert open_store(database).access_token("glow-daily", "instagram") == token
    # A token is never an argument; bad brand ids are refused by name.
    with pytest.raises(SystemExit):  # argparse refuses it
        toby("account-link", "glow-daily", "--account-id", "1", "--token", token)
    code, text = toby.add_brand("Glow_Daily", "ana")
    assert code == 2 and "'Glow_Daily'" in text


def test_status_shows_blocked_accounts_failures_and_incidents(tmp_path, capsys):
    import datetime as dt

    from toby_pipelines.loop.isolation import FailedUnit, settle_units
    from toby_pipelines.loop.reauthorization import flag_account_blocked
    from toby_pipelines.platforms.api_errors import TokenExpiredError
    from toby_pipelines.storage.database import Database

    toby = Toby(tmp_path, capsys)
    toby("user-add", "ana", "--email", "ana@example.com")
    toby.add_brand("glow", "ana")
    toby("enable", "ana")
    database = Database(toby.url)
    now = dt.datetime.now(dt.UTC)
    with database.transaction() as connection:
        flag_account_blocked(connection, "ana", "glow", "instagram",
                             TokenExpiredError("instagram", "Session has expired"), now)  # fmt: skip
    settle_units(database, stage="strategy_posteriors", partition_key="2026-11-23", succeeded={},
                 failed=[FailedUnit("ana", "ana", "ValueError: bad evidence")], now=now)  # fmt: skip
    code, text = toby("status", "ana")
    assert code == 0
    assert "needs re-authorization (token_rejected: instagram: Session has expired)" in text
    assert "failing: strategy_posteriors for ana (2026-11-23, 1 attempt(s)" in text
    assert "open incident: brand:glow:instagram account token_rejected" in text
    assert "open incident: user:ana strategy_posteriors:ana failing" in text


def test_settings_reset_and_the_owner_views_from_the_command_line(tmp_path, capsys):
    toby = Toby(tmp_path, capsys)
    toby("user-add", "ana", "--email", "ana@example.com")
    toby.add_brand("b1", "ana")
    code, text = toby("settings", "ana", "--explore-ratio", "0.2")
    assert code == 2 and "never been enabled" in text
    toby("enable", "ana")
    code, text = toby(
        "settings", "ana", "--json", "--explore-ratio", "0.2", "--disable-feature", "discovery"
    )
    config = json.loads(text)
    assert code == 0 and config["explore_ratio"] == 0.2 and config["features"]["discovery"] is False
    code, text = toby("settings", "ana", "--buffer-days", "30")
    assert code == 2 and "buffer_days" in text and "30" in text
    assert json.loads(toby("settings", "ana", "--json")[1])["buffer_days"] == 2  # nothing changed

    activity = json.loads(toby("activity", "ana", "--json", "--limit", "2")[1])
    # Both changes are logged, each in its line (the same moment: in either order).
    assert {line["action"] for line in activity["items"]} == {
        "features_changed",
        "settings_changed",
    }
    assert json.loads(toby("published", "ana", "--json")[1]) == {"items": [], "total": 0}
    assert json.loads(toby("experiments", "ana", "--json")[1]) == {"experiments": []}
    assert json.loads(toby("insights", "ana", "--json")[1]) == {
        "as_of": None,
        "dimensions": [],
        "weekly": [],
        "game_changers": [],
    }
    assert toby("activity", "zed")[0] == 2

    code, text = toby("reset", "ana")
    assert code == 2 and "--yes" in text
    code, text = toby("reset", "ana", "--yes")
    assert code == 0 and "Toby reset for ana" in text
    assert json.loads(toby("activity", "ana", "--json", "--limit", "1")[1])["items"][0][
        "action"
    ] == ("toby_reset")
