"""Benchmark of `study.results.pareto` (moocore underneath); prints JSON. Not a test.

    python bench/pareto_bench.py [--n 100000] [--k 3] [--small 2000] [--repeat 3]

Pinned to one core. Figures (best of --repeat, seconds):
- `front_and_ranks_s`: non-dominated flags + Pareto ranks of n random points (array level),
  `table_front_and_ranks_s` the same through the pandas interface (`add_pareto_columns`);
  the requirement is under 1 s for 100,000 x 3.
- `hypervolume_front_s` / `hypervolume_all_s`: hypervolume of the front / of all n points
  (same reference point; the two values must be equal).
- `small`: the same work on --small points by moocore and by a numpy O(n^2) pairwise
  dominance computation side by side, with a check that both agree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import moocore
import numpy as np
import pandas as pd

from study.results.pareto import (
    add_pareto_columns,
    hypervolume,
    non_dominated,
    pareto_ranks,
    reference_point,
)


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def numpy_ranks(points: np.ndarray) -> np.ndarray:
    """Minimisation ranks by pairwise dominance (O(n^2) memory and time per front)."""
    le = (points[:, None, :] <= points[None, :, :]).all(axis=2)
    lt = (points[:, None, :] < points[None, :, :]).any(axis=2)
    dominates = le & lt  # dominates[i, j]: i dominates j
    ranks = np.zeros(len(points), dtype=np.int64)
    remaining = np.ones(len(points), dtype=bool)
    front = 1
    while remaining.any():
        dominated = (dominates & remaining[:, None]).any(axis=0)
        layer = remaining & ~dominated
        ranks[layer] = front
        remaining &= ~layer
        front += 1
    return ranks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    rng = np.random.default_rng(0)
    maximise = [j % 2 == 1 for j in range(args.k)]  # mixed directions
    points = rng.random((args.n, args.k))
    table = pd.DataFrame(points, columns=[f"obj{j}" for j in range(args.k)])
    table.insert(0, "trial_id", np.arange(args.n).astype(str))
    objectives = {f"obj{j}": "max" if m else "min" for j, m in enumerate(maximise)}

    front_s, flags = best_of(args.repeat, lambda: non_dominated(points, maximise))
    ranks_s, ranks = best_of(args.repeat, lambda: pareto_ranks(points, maximise))
    table_s, _ = best_of(args.repeat, lambda: add_pareto_columns(table, objectives))
    front = points[flags]
    ref = reference_point(points, maximise)  # the default rule, over all points
    hv_front_s, hv = best_of(args.repeat, lambda: hypervolume(front, maximise, ref))
    hv_all_s, hv_all = best_of(args.repeat, lambda: hypervolume(points, maximise, ref))

    small = points[: args.small] * np.where(maximise, -1.0, 1.0)  # minimisation space
    np_s, np_ranks = best_of(1, lambda: numpy_ranks(small))
    mc_s, mc_ranks = best_of(args.repeat, lambda: moocore.pareto_rank(small) + 1)
    print(json.dumps({
        "n": args.n, "k": args.k, "cores": 1, "moocore": moocore.__version__,
        "python": platform.python_version(),
        "front_s": round(front_s, 4), "ranks_s": round(ranks_s, 4),
        "front_and_ranks_s": round(front_s + ranks_s, 4),
        "table_front_and_ranks_s": round(table_s, 4),
        "under_1s": front_s + ranks_s < 1.0 and table_s < 1.0,
        "front_size": int(flags.sum()), "fronts": int(ranks.max()),
        "hypervolume_front_s": round(hv_front_s, 5), "hypervolume_all_s": round(hv_all_s, 4),
        "hypervolume": hv, "hypervolume_all_points_equal": bool(np.isclose(hv, hv_all)),
        "small": {"n": args.small, "moocore_ranks_s": round(mc_s, 5),
                  "numpy_pairwise_ranks_s": round(np_s, 4),
                  "speedup": round(np_s / mc_s, 1),
                  "agree": bool((np_ranks == mc_ranks).all())},
    }, indent=2))


if __name__ == "__main__":
    main()
