"""Non-dominated flags, ranks and hypervolume against independent computations in the test."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest

from study.results.pareto import (
    add_pareto_columns,
    as_objectives,
    front_hypervolume,
    hypervolume,
    hypervolume_history,
    non_dominated,
    pareto_ranks,
    reference_point,
)
from study.results.store import Objective

# ------------------------------------------------------------------ brute force references


def dominates(a: np.ndarray, b: np.ndarray, modes: list[str]) -> bool:
    """a dominates b: at least as good everywhere, strictly better somewhere."""
    triples = list(zip(a, b, modes, strict=True))
    better_or_equal = all((x <= y) if m == "min" else (x >= y) for x, y, m in triples)
    strictly = any((x < y) if m == "min" else (x > y) for x, y, m in triples)
    return better_or_equal and strictly


def brute_ranks(points: np.ndarray, modes: list[str]) -> list[int]:
    """O(n^2) per front: peel off the points no remaining point dominates."""
    remaining, ranks, front = set(range(len(points))), [0] * len(points), 1
    while remaining:
        layer = {i for i in remaining
                 if not any(dominates(points[j], points[i], modes) for j in remaining if j != i)}
        for i in layer:
            ranks[i] = front
        remaining -= layer
        front += 1
    return ranks


def random_table(rng: np.random.Generator, n: int, modes: list[str]) -> pd.DataFrame:
    """Values on a coarse grid (ties), copied rows (duplicates), NaN/None/inf (missing)."""
    k = len(modes)
    values = rng.integers(0, 6, size=(n, k)).astype(float)
    values[rng.choice(n, n // 8, replace=False)] = values[rng.choice(n, n // 8, replace=False)]
    table = pd.DataFrame(values, columns=[f"obj{j}" for j in range(k)])
    missing = rng.random((n, k)) < 0.07
    table = table.mask(missing)
    table = table.astype(object)
    table.iloc[0, 0] = None
    table.iloc[1, k - 1] = float("inf")
    table.insert(0, "trial_id", [f"t{i}" for i in range(n)])
    table.insert(1, "state", rng.choice(["terminated", "errored", "running"], n))
    return table


def test_modes_are_validated_and_named() -> None:
    with pytest.raises(ValueError, match="'minimise'"):
        as_objectives({"a": "minimise", "b": "max"})
    assert as_objectives([("a", "min")]) == [Objective("a", "min")]


@pytest.mark.parametrize("modes", [["min", "max"], ["max", "min", "min"],
                                   ["min", "max", "max", "min"], ["max", "max"]])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flags_and_ranks_match_brute_force(modes: list[str], seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = random_table(rng, 120, modes)
    objectives = {f"obj{j}": m for j, m in enumerate(modes)}
    out, left_out = add_pareto_columns(table, objectives)

    values = table[list(objectives)].astype(float).to_numpy()
    usable = np.isfinite(values).all(axis=1)
    expected_ranks = brute_ranks(values[usable], modes)
    assert out.loc[usable, "pareto_rank"].tolist() == expected_ranks
    assert out.loc[usable, "non_dominated"].tolist() == [r == 1 for r in expected_ranks]
    maximise = [m == "max" for m in modes]
    assert non_dominated(values[usable], maximise).tolist() == [r == 1 for r in expected_ranks]
    assert pareto_ranks(values[usable], maximise).tolist() == expected_ranks
    # left out, never treated as 0: no flag, no rank, listed with the missing objective
    assert not out.loc[~usable, "non_dominated"].any()
    assert out.loc[~usable, "pareto_rank"].isna().all()
    assert [item.trial_id for item in left_out] == table.loc[~usable, "trial_id"].tolist()
    first = left_out[0]
    assert first.trial_id == "t0" and "obj0" in first.missing and "no value for obj0" in first.reason
    second = next(item for item in left_out if item.trial_id == "t1")
    assert f"non-finite obj{len(modes) - 1}=inf" in second.reason
    assert table.columns.tolist() == out.columns.tolist()[: len(table.columns)]


def test_equal_points_are_all_non_dominated_and_share_a_rank() -> None:
    table = pd.DataFrame({"trial_id": list("abcde"), "loss": [1.0, 1.0, 2.0, 2.0, 0.5],
                          "acc": [0.8, 0.8, 0.9, 0.9, 0.1]})
    out, left_out = add_pareto_columns(table, {"loss": "min", "acc": "max"})
    assert out["non_dominated"].tolist() == [True, True, True, True, True]
    table.loc[4, "loss"] = 1.0  # now (1.0, 0.1) is dominated by (1.0, 0.8): same loss, worse acc
    out, _ = add_pareto_columns(table, {"loss": "min", "acc": "max"})
    assert out["non_dominated"].tolist() == [True, True, True, True, False]
    assert out["pareto_rank"].tolist() == [1, 1, 1, 1, 2]
    assert left_out == []


def test_missing_value_is_not_zero() -> None:
    # If NaN were read as 0, trial "b" (loss missing) would dominate everything.
    table = pd.DataFrame({"trial_id": ["a", "b", "c"], "state": ["terminated", "errored", "running"],
                          "error": [None, "OOM", None], "loss": [1.0, np.nan, 2.0],
                          "acc": [0.5, 0.9, 0.6]})
    out, left_out = add_pareto_columns(table, {"loss": "min", "acc": "max"})
    assert out["non_dominated"].tolist() == [True, False, True]
    assert [(i.trial_id, i.state) for i in left_out] == [("b", "errored")]
    assert left_out[0].reason == "no value for loss (trial errored): OOM"


def test_objective_nobody_reported_leaves_everyone_out() -> None:
    table = pd.DataFrame({"trial_id": ["a", "b"], "loss": [1.0, 2.0]})
    out, left_out = add_pareto_columns(table, {"loss": "min", "eval/sj/accuracy": "max"})
    assert not out["non_dominated"].any()
    assert [i.missing for i in left_out] == [("eval/sj/accuracy",)] * 2


def test_empty_table() -> None:
    table = pd.DataFrame({"trial_id": pd.Series(dtype=object), "loss": pd.Series(dtype=float)})
    out, left_out = add_pareto_columns(table, {"loss": "min", "acc": "max"})
    assert len(out) == 0 and left_out == []
    assert hypervolume_history(out, {"loss": "min", "acc": "max"}).empty


# ------------------------------------------------------------------ hypervolume


def exact_area_2d(points: np.ndarray, ref: np.ndarray) -> float:
    """Area dominated by `points` (minimisation) inside the box up to `ref`: sweep over x."""
    pts = sorted((x, y) for x, y in points if x < ref[0] and y < ref[1])
    area, best_y = 0.0, ref[1]
    for i, (x, y) in enumerate(pts):
        best_y = min(best_y, y)
        next_x = pts[i + 1][0] if i + 1 < len(pts) else ref[0]
        area += (next_x - x) * (ref[1] - best_y)
    return area


def inclusion_exclusion(points: np.ndarray, ref: np.ndarray) -> float:
    """Volume of the union of boxes [p, ref] (minimisation) by inclusion-exclusion."""
    total = 0.0
    for size in range(1, len(points) + 1):
        for subset in itertools.combinations(points, size):
            corner = np.max(subset, axis=0)
            total += (-1) ** (size + 1) * np.prod(np.clip(ref - corner, 0, None))
    return total


def test_hypervolume_2d_equals_exact_area_mixed_directions() -> None:
    rng = np.random.default_rng(3)
    loss, acc = rng.uniform(0, 1, 40), rng.uniform(0, 1, 40)
    ref = np.array([1.2, -0.1])  # loss min (ref above), acc max (ref below)
    got = hypervolume(np.column_stack([loss, acc]), [False, True], ref)
    expected = exact_area_2d(np.column_stack([loss, -acc]), np.array([1.2, 0.1]))
    assert got == pytest.approx(expected, rel=1e-12)
    assert expected > 0.5  # the check is not vacuous


def test_hypervolume_3d_equals_inclusion_exclusion() -> None:
    rng = np.random.default_rng(4)
    points = rng.uniform(0, 1, size=(7, 3))
    points[3] = points[2]  # a duplicate
    ref = np.array([1.0, -0.1, 1.2])  # the max objective's reference lies below its values
    maximise = [False, True, False]
    flip = np.array([1, -1, 1])  # to minimisation space
    expected = inclusion_exclusion(points * flip, ref * flip)
    got = hypervolume(points, maximise, ref)
    assert got == pytest.approx(expected, rel=1e-12)
    assert expected > 0.1


def test_default_reference_point_rule() -> None:
    points = np.array([[1.0, 0.2], [3.0, 0.8], [2.0, 0.8]])
    # min objective: worst 3, range 2 -> 3.2; max objective: worst 0.2, range 0.6 -> 0.14
    assert reference_point(points, [False, True]) == pytest.approx([3.2, 0.14])
    # all values equal: pushed out by 10% of |worst| (or 0.1 when that is below 1)
    assert reference_point(np.array([[5.0, 0.0], [5.0, 0.0]]), [False, True]) == \
        pytest.approx([5.5, -0.1])


def test_front_hypervolume_and_history() -> None:
    table = pd.DataFrame({
        "trial_id": ["a", "b", "c", "d", "e"],
        "loss": [2.0, 1.0, 3.0, 0.5, np.nan], "acc": [0.5, 0.4, 0.9, 0.1, 0.99],
        "finished_at": [30.0, 10.0, 20.0, None, 5.0],
    })
    objectives = {"loss": "min", "acc": "max"}
    value, ref = front_hypervolume(table, objectives)
    # reference from all four trials with values: loss 3 + 0.25 = 3.25, acc 0.1 - 0.08 = 0.02
    assert ref == pytest.approx([3.25, 0.02])
    usable = table.dropna(subset=["loss"])
    minimised = np.column_stack([usable["loss"], -usable["acc"]])
    assert value == pytest.approx(exact_area_2d(minimised, np.array([3.25, -0.02])))

    history = hypervolume_history(table, objectives)
    assert history["trial_id"].tolist() == ["b", "c", "a"]  # by finished_at; d, e not counted
    for n in range(1, 4):
        done = usable[usable["trial_id"].isin(history["trial_id"][:n])]
        area = exact_area_2d(np.column_stack([done["loss"], -done["acc"]]), np.array([3.25, -0.02]))
        assert history["hypervolume"][n - 1] == pytest.approx(area)
    assert history["front_size"].tolist() == [1, 2, 3]
    assert history["hypervolume"].is_monotonic_increasing


def test_array_functions_reject_missing_values() -> None:
    with pytest.raises(ValueError, match="NaN"):
        non_dominated(np.array([[1.0, np.nan]]), [False, False])
    assert pareto_ranks(np.zeros((0, 3)), [False] * 3).tolist() == []


def test_front_and_ranks_of_100k_trials_under_a_second() -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.random((100_000, 3)), columns=["a", "b", "c"])
    table.insert(0, "trial_id", np.arange(100_000).astype(str))
    objectives = {"a": "min", "b": "max", "c": "min"}
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        out, _ = add_pareto_columns(table, objectives)
        best = min(best, time.perf_counter() - start)
    assert best < 1.0, f"front and ranks of 100,000 x 3 took {best:.2f} s"
    assert out["non_dominated"].sum() == (out["pareto_rank"] == 1).sum() > 10
