"""`python -m toby_pipelines.benchmark [--seeds N]`: the learning benchmark (make bench-learning)."""

from __future__ import annotations

import argparse
import sys

from toby_pipelines.benchmark.policies import POLICIES, PlainThompson, SeedSeventyThirty, Toby
from toby_pipelines.benchmark.runner import WorldResult, run_benchmark
from toby_pipelines.benchmark.worlds import DAYS, SLOTS_PER_DAY, WORLDS
from toby_pipelines.simulation.progress import ProgressBar

# Toby's regret as a share of the seed 70/30's, per world (the issue's targets).
TARGETS = {"stationary": 0.5, "delayed": 0.5, "drifting": 0.7}


def markdown(results: list[WorldResult], seeds: int, seconds: float) -> str:
    names = [policy.name for policy in POLICIES]
    toby, seed = POLICIES.index(Toby), POLICIES.index(SeedSeventyThirty)
    plain = POLICIES.index(PlainThompson)
    lines = [
        f"Cumulative regret in score points over {DAYS} days x {SLOTS_PER_DAY} posts"
        f" (mean ± standard error over {seeds} seeds, common random numbers); {seconds:.0f} s.",
        "",
        "| world | "
        + " | ".join(names)
        + " | Toby / seed 70/30 | target | Toby − plain Thompson | met |",
        "|---" * (len(names) + 5) + "|",
    ]
    for result in results:
        cells = [f"{result.mean(i):,.0f} ± {result.stderr(i):,.0f}" for i in range(len(names))]
        ratio, error = result.ratio(toby, seed)
        # The seeds' algorithms and uniform random: Toby must beat every one of them.
        best_seed = min(result.mean(i) for i in range(len(names)) if i not in (toby, plain))
        target = TARGETS.get(result.world)
        # Plain Thompson sampling: Toby may not be worse by more than two standard errors.
        gap, gap_error = result.difference(toby, plain)
        met = (
            result.mean(toby) < best_seed
            and (target is None or ratio <= target)
            and gap <= 2 * gap_error
        )
        lines.append(
            f"| {result.world} | "
            + " | ".join(cells)
            + f" | {ratio:.2f} ± {error:.2f} | {f'≤ {target}' if target else '< all'}"
            + f" | {gap:+,.0f} ± {gap_error:,.0f} | {'yes' if met else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toby_pipelines.benchmark")
    parser.add_argument("--seeds", type=int, default=100, help="seeds per world (default 100)")
    parser.add_argument("--worlds", default=",".join(WORLDS), help="comma-separated worlds")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    args = parser.parse_args(argv)
    worlds = [w.strip() for w in args.worlds.split(",") if w.strip()]
    unknown = sorted(set(worlds) - set(WORLDS))
    if unknown:
        parser.error(f"--worlds: unknown world(s) {unknown}; choose from {list(WORLDS)}")
    if args.seeds < 2:
        parser.error(f"--seeds must be at least 2 for a standard error, got {args.seeds}")
    bar = ProgressBar(args.seeds * len(worlds), "benchmark")
    results, seconds = run_benchmark(
        args.seeds, worlds, args.workers, lambda done, total: bar.update(done, f"{done}/{total}")
    )
    bar.close()
    print(markdown(results, args.seeds, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
