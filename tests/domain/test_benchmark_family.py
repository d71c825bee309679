"""The learning benchmark's family of worlds: two halves, every kind of world in both."""

import numpy as np
import pytest

from toby_pipelines.benchmark.family import HELD_OUT, TRAINING
from toby_pipelines.benchmark.policies import UniformRandom
from toby_pipelines.benchmark.runner import EARLY_DAYS, run_policy
from toby_pipelines.benchmark.worlds import WorldSpec, build_world


def kinds(half):
    """What each world varies, as the issue lists the family."""
    found = set()
    for spec in half:
        found |= {
            "options" if spec.options else None,
            "effects" if spec.effect_scale != 1.0 else None,
            "noise" if spec.noise_sd != 12.0 else None,
            "tails" if spec.tail_df else None,
            "horizon" if spec.days != 90 else None,
            "posts" if spec.posts_per_day != 6 else None,
            spec.change,
            "slow" if spec.slow_burn else None,
            spec.late_tastes,
            "facebook" if spec.facebook else None,
        }
    return found - {None}


def test_the_halves_share_no_world_and_each_holds_every_kind():
    assert not {s.name for s in TRAINING} & {s.name for s in HELD_OUT}
    assert not set(TRAINING) & set(HELD_OUT)
    wanted = {"options", "effects", "noise", "tails", "horizon", "posts", "drop", "rise", "slow",
              "same", "independent", "opposite", "facebook"}  # fmt: skip
    assert wanted <= kinds(HELD_OUT)
    assert wanted - {"same", "independent"} <= kinds(TRAINING)


@pytest.mark.parametrize("spec", HELD_OUT[:12], ids=lambda s: s.name)
def test_a_world_is_the_same_for_every_policy_and_regret_is_never_negative(spec):
    first, again = build_world(spec, 3), build_world(spec, 3)
    assert np.array_equal(first.noise, again.noise)
    total, early = run_policy(first, UniformRandom, 3)
    assert total >= early >= 0
    if spec.days <= EARLY_DAYS:
        assert total == pytest.approx(early)


def test_a_rise_makes_the_worst_option_the_best_and_a_drop_the_best_the_worst():
    rise = build_world(WorldSpec("r", change="rise", change_day=10), 0)
    drop = build_world(WorldSpec("d", change="drop", change_day=10), 0)
    for world, before_rank, after_rank in ((rise, min, max), (drop, max, min)):
        for dim, effects in world.effects[("brand", False)].items():
            moved = before_rank(effects, key=effects.get)
            after = world.effects[("brand", True)][dim]
            assert after_rank(after, key=after.get) == moved


def test_a_slow_burners_48h_score_reads_low():
    world = build_world(WorldSpec("s", slow_burn=12.0), 0)
    dim, option = world.slow_burner
    options = {d: (option if d == dim else opts[0]) for d, opts in world.pools.items()}
    gaps = [world.scores("brand", options, 0, slot) for slot in range(200)]
    assert np.mean([final - early for early, final in gaps]) > 8
