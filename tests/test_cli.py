"""The `toby` command: enabling refuses bad Content DNA by field; on/off and status work."""

import json

from toby_pipelines.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_enable_refuses_missing_dna_field_then_works(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"niche": "health", "tone": "", "topic_buckets": ["sleep"], "content_examples": ["x"]}
        )
    )
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "niche": "health",
                "tone": "calm",
                "topic_buckets": ["sleep"],
                "content_examples": ["x"],
            }
        )
    )

    assert (
        run(capsys, "--database-url", url, "user-add", "ana", "--email", "ana@example.com")[0] == 0
    )
    assert (
        run(
            capsys,
            "--database-url",
            url,
            "brand-add",
            "b1",
            "--user",
            "ana",
            "--dna",
            str(bad),
            "--handle",
            "b1",
        )[0]
        == 0
    )
    code, text = run(capsys, "--database-url", url, "enable", "ana")
    assert code == 2
    assert "Content DNA field 'tone' is missing or empty" in text

    assert (
        run(
            capsys,
            "--database-url",
            url,
            "brand-add",
            "b2",
            "--user",
            "ana",
            "--dna",
            str(good),
            "--handle",
            "b2",
        )[0]
        == 0
    )
    code, text = run(capsys, "--database-url", url, "enable", "ana")
    assert code == 2 and "'b1'" in text  # every brand must be valid

    code, text = run(capsys, "--database-url", url, "status", "ana")
    assert "never been enabled" in text


def test_enable_disable_status(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "niche": "health",
                "tone": "calm",
                "topic_buckets": ["sleep"],
                "content_examples": ["x"],
            }
        )
    )
    run(capsys, "--database-url", url, "user-add", "ana", "--email", "ana@example.com")
    run(
        capsys,
        "--database-url",
        url,
        "brand-add",
        "b1",
        "--user",
        "ana",
        "--dna",
        str(good),
        "--handle",
        "b1",
        "--followers",
        "1200",
    )
    assert run(capsys, "--database-url", url, "enable", "ana") == (0, "Toby is ON for ana\n")
    _code, text = run(capsys, "--database-url", url, "status", "ana")
    assert "status: ON" in text and "@b1, 1200 followers" in text and "Toby enabled" in text
    assert run(capsys, "--database-url", url, "disable", "ana")[0] == 0
    assert "status: OFF" in run(capsys, "--database-url", url, "status", "ana")[1]


def test_unknown_user_is_named(tmp_path, capsys):
    code, text = run(capsys, "--database-url", f"sqlite:///{tmp_path / 'x.db'}", "enable", "nobody")
    assert code == 2 and "no user with id 'nobody'" in text
