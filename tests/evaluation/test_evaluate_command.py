"""`toby evaluate` on the posts the real jobs planned, published and scored."""

from __future__ import annotations

from tests.world import START, build_world, register_accounts, resources_for, run_days
from toby_pipelines.cli import main
from toby_pipelines.definitions import defs as load_defs
from toby_pipelines.strategy.dimensions import PERSONALITY_PROMPTS

DEFS = load_defs()


def test_evaluate_prints_every_estimator_per_brand_and_type(database, database_url, capsys):
    build_world(database)
    register_accounts(database, resources_for(database_url, START)["platform"].get())
    run_days(DEFS, database_url, 10)
    story = next(iter(PERSONALITY_PROMPTS["reel"]))
    command = ["--database-url", database_url, "evaluate", "u1", "--days", "1000"]
    assert main([*command, "--policy", "uniform", "--policy", f"always:personality={story}"]) == 0
    out = capsys.readouterr().out
    assert "reels:" in out and "Toby's own choices scored" in out
    for estimator in ("IPW", "SNIPW", "DR"):
        assert f"uniform{' ' * 26}{estimator}" in out
        assert f"always:personality={story}" in out


def test_evaluate_names_a_bad_policy_or_user(database, database_url, capsys):
    build_world(database)
    assert main(["--database-url", database_url, "evaluate", "u1", "--policy", "greedy"]) == 2
    assert "got 'greedy'" in capsys.readouterr().err
    bad = ["--database-url", database_url, "evaluate", "u1", "--policy", "always:mood=calm"]
    assert main(bad) == 2
    assert "got 'mood'" in capsys.readouterr().err
    assert main(["--database-url", database_url, "evaluate", "nobody", "--policy", "uniform"]) == 2
    assert "'nobody'" in capsys.readouterr().err
