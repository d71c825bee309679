"""A planned post replays from its seed (its decision record), so how `choose_strategy` draws
from the slot's random stream is fixed: what makes a choice cheaper must leave every pick and
propensity as they were, to the last bit."""

from __future__ import annotations

import hashlib

import numpy as np

from toby_pipelines.strategy.normal_gamma import NormalGamma
from toby_pipelines.strategy.selection import ExperimentTurn, _pick, choose_strategy

# The digest of `_choices()` as the code before draws were taken once per dimension
# (`LawArrays.draw_one`) and forced turns picked without `Generator.choice` (73ead60).
CHOICES_DIGEST = "490cf102c11734894bee1ff8ecf64790a9fd118fe37586639a22c83b5bc5df5a"


def _choices() -> list[str]:
    """Picks and propensities over slots of every kind: plain Thompson sampling, resting topics,
    experiment turns short of samples and complete, follow-ups, one and several experiments."""
    cases = np.random.default_rng(99)
    made = []
    for seed in range(400):
        pools = {
            f"d{d}": [f"o{d}_{i}" for i in range(int(cases.integers(1, 9)))]
            for d in range(int(cases.integers(1, 6)))
        }
        posteriors = {
            dimension: {
                option: NormalGamma(
                    float(cases.normal(50, 10)),
                    float(cases.uniform(0.5, 40)),
                    float(cases.uniform(1.5, 30)),
                    float(cases.uniform(10, 3000)),
                )
                for option in options
                if cases.random() < 0.85  # some options have no posterior yet
            }
            for dimension, options in pools.items()
        }
        experiments = [
            ExperimentTurn(
                dimension,
                {o: int(cases.integers(0, 6)) for o in options if cases.random() < 0.7},
                min_samples=int(cases.integers(1, 5)),
                follow_ups={options[0]: 2} if cases.random() < 0.2 else {},
            )
            for dimension, options in pools.items()
            if cases.random() < 0.4
        ]
        resting = {
            dimension: options[: int(cases.integers(0, len(options) + 1))]
            for dimension, options in pools.items()
            if cases.random() < 0.3
        }
        choice = choose_strategy(
            pools,
            posteriors,
            np.random.default_rng(seed),
            explore_ratio=float(cases.choice([0.0, 0.3, 1.0])),
            experiments=experiments,
            resting=resting,
            width=float(cases.choice([0.4, 0.25, 1.0])),
        )
        made.append(
            repr(
                (
                    sorted(choice.options.items()),
                    choice.is_experiment,
                    choice.experiment_dimension,
                    sorted(choice.option_propensities.items()),
                    choice.propensity,
                )
            )
        )
    return made


def test_choices_and_propensities_are_those_of_before():
    digest = hashlib.sha256("\n".join(_choices()).encode()).hexdigest()
    assert digest == CHOICES_DIGEST


def test_a_forced_pick_is_generator_choice_from_the_same_stream():
    """`_pick` gives `rng.choice(n, p=p)`'s index and leaves the stream where it does, for the
    forced turns' probabilities (uniform over some options, 0 elsewhere) and any others."""
    cases = np.random.default_rng(5)
    for seed in range(3000):
        n = int(cases.integers(1, 12))
        if seed % 2:
            probabilities = [float(p) for p in cases.dirichlet(np.ones(n))]
        else:
            least = cases.random(n) < 0.5
            least[int(cases.integers(n))] = True
            probabilities = [1.0 / least.sum() if chosen else 0.0 for chosen in least]
        reference_rng, rng = np.random.default_rng(seed), np.random.default_rng(seed)
        assert _pick(rng, probabilities) == int(reference_rng.choice(n, p=probabilities))
        assert rng.random() == reference_rng.random()
