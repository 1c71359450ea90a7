"""Non-dominated sets, Pareto ranks and hypervolume of a study's trials.

The algorithms are moocore's (C; what pymoo calls): `is_nondominated`, `pareto_rank`,
`hypervolume`. This module's job is what sits around them:

- **Directions.** Each objective is `min` or `max`; moocore takes a `maximise` flag per
  objective, and hypervolume is computed in minimisation space (max objectives negated).
- **Missing values.** A trial without a finite value for some objective (errored, not yet
  evaluated, NaN/inf) is left out of every computation and listed with the reason
  (`LeftOut`); it is never treated as 0. In the table it gets `non_dominated=False` and
  `pareto_rank=<NA>`.
- **Ties and duplicates.** A point dominates another when it is at least as good in every
  objective and strictly better in one. Equal points therefore never dominate each other:
  duplicates of a non-dominated point are *all* non-dominated (moocore's `keep_weakly=True`),
  and duplicates always share a Pareto rank.
- **Ranks** are 1-based: front 1 is the non-dominated set, front 2 is the non-dominated set of
  what remains, and so on (`pareto_rank == 1` exactly when `non_dominated`).
- **Reference point** (hypervolume). Unless given, it is derived from the data: in
  minimisation space, for each objective, ``worst + 0.1 * (worst - best)`` over all trials
  with values (the nadir pushed out by 10% of the range; ``0.1 * max(|worst|, 1)`` when all
  values are equal). It is returned in the objectives' own units and directions (for a `max`
  objective it lies below the smallest value). Points that do not strictly beat the reference
  in every objective add nothing to the hypervolume.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import moocore
import numpy as np
import pandas as pd

from study.results.store import Objective

MODES = ("min", "max")
REFERENCE_MARGIN = 0.1

ObjectivesLike = Iterable[Objective] | Iterable[tuple[str, str]] | Mapping[str, str]


@dataclass(frozen=True)
class LeftOut:
    """A trial that could not be placed on the front, and why."""

    trial_id: str
    state: str | None
    missing: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"trial_id": self.trial_id, "state": self.state,
                "missing": list(self.missing), "reason": self.reason}


def as_objectives(objectives: ObjectivesLike) -> list[Objective]:
    """Normalise `Objective`s, `(metric, mode)` pairs or `{metric: mode}` to `Objective`s."""
    items = objectives.items() if isinstance(objectives, Mapping) else objectives
    result = [o if isinstance(o, Objective) else Objective(*o) for o in items]
    problems = [f"objective {o.metric!r}: mode {o.mode!r} is not one of {MODES}"
                for o in result if o.mode not in MODES]
    if not result:
        problems.append("no objectives given: pass at least one {metric: 'min'|'max'}")
    if problems:
        raise ValueError("; ".join(problems))
    return result


def maximise_flags(objectives: Sequence[Objective]) -> np.ndarray:
    """moocore's per-objective `maximise` flags."""
    return np.array([o.mode == "max" for o in objectives], dtype=bool)


# ------------------------------------------------------------------ array level


def non_dominated(points: np.ndarray, maximise: Sequence[bool]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of `points` (n, k); duplicates all kept."""
    points = _finite_matrix(points)
    return moocore.is_nondominated(points, maximise=np.asarray(maximise, bool), keep_weakly=True)


def pareto_ranks(points: np.ndarray, maximise: Sequence[bool]) -> np.ndarray:
    """1-based Pareto rank (front number) of each row of `points` (n, k)."""
    points = _finite_matrix(points)
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64)
    return moocore.pareto_rank(points, maximise=np.asarray(maximise, bool)).astype(np.int64) + 1


def reference_point(points: np.ndarray, maximise: Sequence[bool],
                    margin: float = REFERENCE_MARGIN) -> np.ndarray:
    """The default hypervolume reference point (see the module docstring), in objective units."""
    points = _finite_matrix(points)
    if len(points) == 0:
        raise ValueError("cannot derive a reference point from no points: pass `reference`")
    sign = np.where(np.asarray(maximise, bool), -1.0, 1.0)
    minimised = points * sign
    worst, best = minimised.max(axis=0), minimised.min(axis=0)
    span = worst - best
    span = np.where(span > 0, span, np.maximum(np.abs(worst), 1.0))
    return (worst + margin * span) * sign


def hypervolume(points: np.ndarray, maximise: Sequence[bool],
                reference: Sequence[float] | None = None) -> float:
    """Hypervolume dominated by `points` and bounded by `reference` (default: derived)."""
    points = _finite_matrix(points)
    if len(points) == 0:
        return 0.0
    ref = reference_point(points, maximise) if reference is None else np.asarray(reference, float)
    if ref.shape != (points.shape[1],):
        raise ValueError(f"reference point has {ref.size} values; the front has "
                         f"{points.shape[1]} objectives")
    return float(moocore.hypervolume(points, ref=ref, maximise=np.asarray(maximise, bool)))


def _finite_matrix(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=float)
    if points.ndim != 2:
        raise ValueError(f"points must be a 2-D array (n, k); got shape {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("points contain NaN or inf: drop those rows first "
                         "(objective_matrix does, and lists them)")
    return points


# ------------------------------------------------------------------ table level


def objective_matrix(table: pd.DataFrame, objectives: ObjectivesLike
                     ) -> tuple[np.ndarray, np.ndarray, list[LeftOut]]:
    """(points of the usable rows (n_valid, k), boolean mask of usable rows, left-out trials).

    A row is usable when every objective column holds a finite number. A column that does not
    exist yet (no trial reported that metric) makes every row unusable.
    """
    objs = as_objectives(objectives)
    values = np.column_stack([
        pd.to_numeric(table[o.metric], errors="coerce").to_numpy(dtype=float)
        if o.metric in table else np.full(len(table), np.nan) for o in objs
    ]) if len(table) else np.zeros((0, len(objs)))
    finite = np.isfinite(values)
    valid = finite.all(axis=1)
    left_out = []
    for i in np.flatnonzero(~valid):
        row = table.iloc[i]
        missing = tuple(o.metric for o, ok in zip(objs, finite[i], strict=True) if not ok)
        left_out.append(_left_out(row, missing, values[i], objs))
    return values[valid], valid, left_out


def _left_out(row: pd.Series, missing: tuple[str, ...], values: np.ndarray,
              objs: Sequence[Objective]) -> LeftOut:
    state = row.get("state")
    state = None if state is None or pd.isna(state) else str(state)
    absent = [o.metric for o, v in zip(objs, values, strict=True)
              if o.metric in missing and np.isnan(v)]
    infinite = [f"{o.metric}={v}" for o, v in zip(objs, values, strict=True)
                if o.metric in missing and not np.isnan(v)]
    parts = ([f"no value for {', '.join(absent)}"] if absent else []) + \
        ([f"non-finite {', '.join(infinite)}"] if infinite else [])
    reason = "; ".join(parts)
    if state:
        reason = f"{reason} (trial {state})"
    error = row.get("error")
    if isinstance(error, str) and error:
        reason = f"{reason}: {error}"
    return LeftOut(str(row.get("trial_id")), state, missing, reason)


def add_pareto_columns(table: pd.DataFrame, objectives: ObjectivesLike
                       ) -> tuple[pd.DataFrame, list[LeftOut]]:
    """A copy of `table` with `non_dominated` (bool) and `pareto_rank` (Int64, 1 = front)."""
    objs = as_objectives(objectives)
    points, valid, left_out = objective_matrix(table, objs)
    flags = maximise_flags(objs)
    ranks = pareto_ranks(points, flags)
    out = table.copy()
    nd = np.zeros(len(table), dtype=bool)
    nd[valid] = ranks == 1
    rank_column = pd.array(np.zeros(len(table), dtype=np.int64), dtype="Int64")
    rank_column[~valid] = pd.NA
    rank_column[valid] = ranks
    out["non_dominated"] = nd
    out["pareto_rank"] = rank_column
    return out, left_out


def front_hypervolume(table: pd.DataFrame, objectives: ObjectivesLike,
                      reference: Sequence[float] | None = None) -> tuple[float, np.ndarray]:
    """(hypervolume of the trials' front, reference point used); (0.0, []) if no trial has values."""
    objs = as_objectives(objectives)
    points, _, _ = objective_matrix(table, objs)
    if len(points) == 0:
        return 0.0, np.asarray(reference if reference is not None else [], float)
    flags = maximise_flags(objs)
    ref = reference_point(points, flags) if reference is None else np.asarray(reference, float)
    return hypervolume(points, flags, ref), ref


def hypervolume_history(table: pd.DataFrame, objectives: ObjectivesLike,
                        reference: Sequence[float] | None = None) -> pd.DataFrame:
    """Hypervolume of the front of the trials finished so far, after each finished trial.

    Trials count from their `finished_at` (unix seconds) on, in that order; trials without
    `finished_at` or without values are not counted. The reference point is fixed over the
    whole history (default: derived from every trial with values, finished or not), so the
    curve never decreases. Columns: `finished_at`, `trial_id`, `hypervolume`, `front_size`,
    `n_finished`.
    """
    objs = as_objectives(objectives)
    columns = ["finished_at", "trial_id", "hypervolume", "front_size", "n_finished"]
    points, valid, _ = objective_matrix(table, objs)
    if len(points) == 0 or "finished_at" not in table:
        return pd.DataFrame(columns=columns)
    flags = maximise_flags(objs)
    ref = reference_point(points, flags) if reference is None else np.asarray(reference, float)
    finished = pd.to_numeric(table["finished_at"], errors="coerce").to_numpy(dtype=float)[valid]
    ids = table["trial_id"].astype(str).to_numpy()[valid]
    order = [i for i in np.argsort(finished, kind="stable") if np.isfinite(finished[i])]
    front = np.zeros((0, len(objs)))
    value, rows = 0.0, []
    for n, i in enumerate(order, start=1):
        candidate = np.vstack([front, points[i]])
        keep = non_dominated(candidate, flags)
        if keep[-1]:  # the new point is on the front: the hypervolume may change
            front = candidate[keep]
            value = hypervolume(front, flags, ref)
        rows.append((finished[i], ids[i], value, len(front), n))
    return pd.DataFrame(rows, columns=columns)
