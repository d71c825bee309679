"""`make bench-horizon BRANDS=... DAYS=... SHORT=... RUNS=...`: what a longer history costs the
day's chain (issue 11: from 30 to 180 days of history at most 1.2×).

One run of each says little on a shared machine, whose load moves a chain's CPU by 10-15% from
one run to the next. So the same brands are populated twice, with SHORT and with DAYS days of
history (two databases, kept after the run), and the chain runs on each in turn, RUNS times:
each pair meets about the same load. Printed: every step's CPU, wall and peak memory, each
pair's ratio of chain CPU (long / short) and the ratio of the means; the last line is JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from toby_pipelines.scale.bench import (
    _in_child,
    _populate_step,
    _template_step,
    fresh_database,
    run_chain,
)

# The bound asked of the chain's CPU from the short to the long history.
HORIZON_BOUND = 1.2


def horizon(
    brands: int,
    short_days: int,
    long_days: int,
    kind: str,
    directory: Path,
    runs: int,
    template: Path | None = None,
) -> dict:
    """Populate `brands` with `short_days` and with `long_days` of history and run the chain on
    each in turn `runs` times; `template` reuses a template built before (else one is built)."""
    directory.mkdir(parents=True, exist_ok=True)
    if template is None:
        template = directory / "template.sqlite"
        _in_child(_template_step(template))
    urls = {}
    for days in (short_days, long_days):
        print(f"populating {brands} brands with {days} days of history ...", flush=True)
        urls[days] = fresh_database(kind, directory, name=f"toby_horizon_{days}d")
        _in_child(_populate_step(urls[days], template, brands, days))
    pairs = []
    for number in range(1, runs + 1):
        short, long = (
            run_chain(urls[days], f"pair {number}/{runs}, {days:>3} days")
            for days in (short_days, long_days)
        )
        ratio = long["chain_cpu_s"] / short["chain_cpu_s"]
        print(
            f"pair {number}/{runs}: {short_days} days {short['chain_cpu_s']:.2f} s,"
            f" {long_days} days {long['chain_cpu_s']:.2f} s of CPU: {ratio:.2f}x",
            flush=True,
        )
        pairs.append({"short": short, "long": long, "ratio": round(ratio, 3)})
    ratio_of_means = sum(p["long"]["chain_cpu_s"] for p in pairs) / sum(
        p["short"]["chain_cpu_s"] for p in pairs
    )
    figures = {
        "brands": brands,
        "short_days": short_days,
        "long_days": long_days,
        "database": kind,
        "ratios": [p["ratio"] for p in pairs],
        "ratio_of_means": round(ratio_of_means, 3),
        "bound": HORIZON_BOUND,
        "peak_rss_mb": max(
            step["peak_rss_mb"]
            for pair in pairs
            for chain in (pair["short"], pair["long"])
            for step in chain["steps"].values()
        ),
        "pairs": pairs,
    }
    print(
        f"{short_days} -> {long_days} days at {brands} brands: pair by pair "
        + ", ".join(f"{r:.2f}x" for r in figures["ratios"])
        + f"; of the means {ratio_of_means:.2f}x (bound {HORIZON_BOUND}x)",
        flush=True,
    )
    print(json.dumps(figures))
    return figures
