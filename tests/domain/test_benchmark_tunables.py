"""Trying other values of Toby's constants on the benchmark's training half (`tunables`)."""

import math

import pytest

from toby_pipelines.benchmark import __main__ as cli
from toby_pipelines.benchmark.policies import POLICIES, Toby
from toby_pipelines.benchmark.runner import run_seed
from toby_pipelines.benchmark.tunables import overridden, parse_settings
from toby_pipelines.benchmark.worlds import WorldSpec
from toby_pipelines.strategy import (
    change_detection,
    change_detection_lockstep,
    decay,
    posteriors,
    selection,
)
from toby_pipelines.strategy.decay import decay_factor

SHORT = WorldSpec("short", days=24, posts_per_day=3)
TOBY = POLICIES.index(Toby)


def test_toby_with_the_codes_own_values_is_toby_to_the_last_point():
    # The same luck as Toby's: with nothing changed, the two runs are one run.
    _, _, regrets = run_seed((SHORT, 4, {"posterior_width": selection.POSTERIOR_WIDTH}))
    assert regrets[-1] == regrets[TOBY]
    assert len(regrets) == len(POLICIES) + 1


def test_a_setting_changes_toby_with_set_and_leaves_toby_as_the_code_has_it():
    _, _, plain = run_seed((SHORT, 4, {}))
    _, _, tried = run_seed((SHORT, 4, {"posterior_width": 3.0, "half_life_days": 5}))
    assert tried[: len(POLICIES)] == plain
    assert tried[-1] != plain[TOBY]
    assert selection.POSTERIOR_WIDTH == 0.4


def test_follow_ups_switched_off_by_a_setting_are_off_inside_the_block():
    from toby_pipelines.strategy import experiments

    code = (experiments.FOLLOW_UP_MAX, experiments.FOLLOW_UP_Z, experiments.FOLLOW_UP_ADJUSTED)
    with overridden({"follow_up_max": 0, "follow_up_z": 2.0, "follow_up_adjusted": 0}):
        assert (
            experiments.FOLLOW_UP_MAX, experiments.FOLLOW_UP_Z, experiments.FOLLOW_UP_ADJUSTED
        ) == (0, 2.0, 0)  # fmt: skip
    assert code == (
        experiments.FOLLOW_UP_MAX, experiments.FOLLOW_UP_Z, experiments.FOLLOW_UP_ADJUSTED
    )  # fmt: skip
    assert code == (12, 1.0, 1)


def test_settings_hold_inside_the_block_in_every_module_that_reads_them_and_are_put_back():
    before = (decay_factor(30), change_detection.RISE_THRESHOLD, posteriors.PRE_CHANGE_WEIGHT)
    settings = {"half_life_days": 30, "rise_threshold": 2.5, "pre_change_weight": 0.3}
    with pytest.raises(RuntimeError), overridden(settings):
        assert decay_factor(30) == pytest.approx(0.5)
        assert change_detection.RISE_THRESHOLD == change_detection_lockstep.RISE_THRESHOLD == 2.5
        # posteriors.py weighs evidence with its own binding of the constant
        assert posteriors.PRE_CHANGE_WEIGHT == change_detection.PRE_CHANGE_WEIGHT == 0.3
        raise RuntimeError("a run that fails")
    assert (
        decay_factor(30), change_detection.RISE_THRESHOLD, posteriors.PRE_CHANGE_WEIGHT
    ) == before  # fmt: skip
    assert posteriors.PRE_CHANGE_WEIGHT == change_detection.PRE_CHANGE_WEIGHT
    assert before[1] == change_detection_lockstep.RISE_THRESHOLD
    assert pytest.approx(math.log(2) / decay.HALF_LIFE_DAYS) == decay.DECAY_RATE


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["width=0.3"], "'width': unknown constant"),
        (["posterior_width"], "expected name=value"),
        (["posterior_width=wide"], "posterior_width='wide': the value must be a number"),
        (["half_life_days=0"], "half_life_days=0: must be at least 1"),
        (["follow_up_adjusted=2"], "follow_up_adjusted=2: must be at most 1"),
        (["pre_change_weight=1.5"], "pre_change_weight=1.5: must be at most 1"),
        (["retest_after_days=7.5"], "retest_after_days=7.5: must be a whole number"),
        (["posterior_width=0.3", "posterior_width=0.4"], "posterior_width: given twice"),
    ],
)
def test_a_bad_setting_is_refused_with_its_name_and_value(texts, message):
    with pytest.raises(ValueError, match=message):
        parse_settings(texts)


def test_the_held_out_half_refuses_settings(capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main(["--seeds", "2", "--set", "posterior_width=0.35"])
    assert ended.value.code == 2
    assert "training worlds only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--worlds", "stationary,options_3", "--set", "posterior_width=0.35"])
    assert "['options_3']" in capsys.readouterr().err


def test_the_table_sets_toby_with_set_beside_toby(capsys):
    assert (
        cli.main(
            [
                "--worlds",
                "days_30",
                "--seeds",
                "2",
                "--workers",
                "1",
                "--set",
                "retest_after_days=10",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Toby with --set: retest_after_days=10." in out
    assert "| with --set / Toby | met with --set |" in out
    assert "With retest_after_days=10: met on" in out
