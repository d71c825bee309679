"""Bad input to `toby` ends in one line naming the field and value, never a traceback, and
nothing is half-written."""

import json

import pytest
import sqlalchemy as sa

from tests.test_cli import Toby


@pytest.fixture
def toby(tmp_path, capsys):
    toby = Toby(tmp_path, capsys)
    assert toby("user-add", "ana", "--email", "ana@example.com")[0] == 0
    return toby


def brands_in(toby):
    engine = sa.create_engine(toby.url)
    with engine.connect() as connection:
        return sorted(connection.execute(sa.text("SELECT id FROM brands")).scalars())


def refused(result, *fragments):
    code, text = result
    assert code == 2, text
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_a_user_id_taken_twice_is_refused(toby):
    refused(toby("user-add", "ana", "--email", "other@example.com"), "user 'ana' already exists")


@pytest.mark.parametrize(
    ("user", "email", "fragments"),
    [
        ("", "x@example.com", ("user id", "''")),
        ("a b", "x@example.com", ("user id", "'a b'")),
        ("bo", "bo.example.com", ("email", "'bo.example.com'")),
        ("bo", "", ("email", "''")),
    ],
)
def test_a_bad_user_id_or_email_is_refused(toby, user, email, fragments):
    refused(toby("user-add", user, "--email", email), *fragments)


def test_a_brand_id_taken_twice_is_refused(toby):
    assert toby.add_brand("b1", "ana")[0] == 0
    refused(toby.add_brand("b1", "ana"), "brand 'b1' already exists")


def test_a_brand_for_an_unknown_user_is_refused(toby):
    refused(toby.add_brand("b1", "zed"), "no user 'zed'")
    assert brands_in(toby) == []


def test_negative_followers_are_refused_and_nothing_is_written(toby, tmp_path):
    dna = tmp_path / "dna.json"
    dna.write_text(json.dumps({"niche": "health"}))
    common = ("brand-add", "b1", "--user", "ana", "--dna", str(dna), "--handle", "b1")
    refused(toby(*common, "--followers", "-5"), "followers", "-5")
    assert brands_in(toby) == []


@pytest.mark.parametrize("times", ["08:00,08:00", "08:00,8:00", "8:00,08:00,20:00"])
def test_the_same_slot_time_twice_is_refused(toby, tmp_path, times):
    dna = tmp_path / "dna.json"
    dna.write_text(json.dumps({"niche": "health"}))
    common = ("brand-add", "b1", "--user", "ana", "--dna", str(dna), "--handle", "b1")
    refused(toby(*common, "--reel-times", times), "reel", "08:00", "twice")
    assert brands_in(toby) == []


def test_slot_times_are_stored_in_one_spelling(toby, tmp_path):
    dna = tmp_path / "dna.json"
    dna.write_text(json.dumps({"niche": "health"}))
    common = ("brand-add", "b1", "--user", "ana", "--dna", str(dna), "--handle", "b1")
    assert toby(*common, "--reel-times", "8:00,20:5")[0] == 0
    engine = sa.create_engine(toby.url)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT slot_time FROM brand_slots WHERE content_type = 'reel'")
        ).scalars()
        assert sorted(stored) == ["08:00", "20:05"]


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (None, ("Content DNA file", "is a directory")),
        ("[1, 2]", ("Content DNA file", "JSON object", "list")),
        ("{not json", ("Content DNA file", "not valid JSON")),
        (json.dumps({"topic_buckets": "abc"}), ("topic_buckets", "list", "'abc'")),
        (json.dumps({"niche": 5}), ("niche", "text", "5")),
        (json.dumps({"content_examples": ["ok", 3]}), ("content_examples[1]", "3")),
    ],
)
def test_a_bad_content_dna_file_is_refused(toby, tmp_path, content, fragments):
    path = tmp_path / "dna"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    common = ("brand-add", "b1", "--user", "ana", "--dna", str(path), "--handle", "b1")
    text = refused(toby(*common), *fragments)
    assert str(path) in text or "topic_buckets" in text or "niche" in text or "content_" in text
    assert brands_in(toby) == []


def test_an_unknown_platform_is_refused_by_name(toby, tmp_path, capsys):
    dna = tmp_path / "dna.json"
    dna.write_text(json.dumps({"niche": "health"}))
    with pytest.raises(SystemExit) as exit_:
        toby("brand-add", "b1", "--user", "ana", "--dna", str(dna), "--handle", "b1",
             "--platform", "tiktok")  # fmt: skip
    assert exit_.value.code == 2
    assert "'tiktok'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    [
        "nope://somewhere/db",
        "postgresql://toby:hunter2@127.0.0.1:1/none",
        "sqlite:///{tmp_path}",  # a directory, not a database file
    ],
)
def test_a_database_url_that_cannot_be_opened_is_named_without_its_password(tmp_path, capsys, url):
    from toby_pipelines.cli import main

    code = main(["--database-url", url.format(tmp_path=tmp_path), "status", "ana"])
    text = capsys.readouterr().err
    assert code == 2 and "Traceback" not in text
    assert "database" in text
    assert "hunter2" not in text
