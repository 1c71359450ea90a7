"""Tables of the explorer, as `{columns, rows}` specs the page renders (sortable).

- `table1`: the weighted-sum sweep, shaped like the paper's Table 1: baseline and
  scalarization trials trained simultaneously, one row per trial.
- `table2`: one row per approach (strategy x schedule), shaped like the paper's Table 2. An
  approach is represented by its best trial: lowest Pareto rank, then best first objective;
  the `trials` column says how many trials the approach has.
- `trials_state_table`: every trial with its state, progress and (for errored ones) the error.

Cells hold plain values (text is rendered with `textContent` by the page, never as HTML).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from study.results.store import Objective

WEIGHTED_SUM_STRATEGIES = ("baseline", "scalarization")
SIMULTANEOUS = ("simultaneous", None)


def _column(key: str, label: str, kind: str = "number") -> dict[str, str]:
    return {"key": key, "label": label, "kind": kind}


def _objective_columns(objectives: Sequence[Objective]) -> list[dict[str, str]]:
    arrows = {"min": "\u2193", "max": "\u2191"}
    return [_column(o.metric, f"{o.metric} {arrows[o.mode]}") for o in objectives]


def _spec(table: pd.DataFrame, columns: list[dict[str, str]], caption: str) -> dict[str, Any]:
    keys = [c["key"] for c in columns]
    for key in keys:
        if key not in table:
            table = table.assign(**{key: None})
    rows = table[keys].astype(object).where(table[keys].notna(), None).to_numpy().tolist()
    return {"columns": columns, "rows": rows, "caption": caption, "trial_key": "trial_id"}


def _approach(strategy: Any, schedule: Any) -> str:
    strategy = "?" if strategy is None or pd.isna(strategy) else str(strategy)
    if schedule is None or pd.isna(schedule) or schedule == "simultaneous":
        return strategy
    return f"{strategy} ({schedule})"


def _sort_key(table: pd.DataFrame, objectives: Sequence[Objective]) -> pd.DataFrame:
    first = objectives[0]
    value = pd.to_numeric(table.get(first.metric), errors="coerce") if first.metric in table \
        else pd.Series(np.nan, index=table.index)
    rank = pd.to_numeric(table["pareto_rank"], errors="coerce").astype(float).fillna(np.inf)
    return table.assign(_rank=rank, _first=value if first.mode == "min" else -value)


def table1(table: pd.DataFrame, objectives: Sequence[Objective]) -> dict[str, Any]:
    """The paper's Table 1: baseline and scalarization (simultaneous) trials, w1 descending."""
    rows = table[table["strategy"].isin(WEIGHTED_SUM_STRATEGIES)
                 & (table["schedule"].isna() | (table["schedule"] == "simultaneous"))]
    rows = rows.assign(_after_baseline=rows["strategy"] != "baseline").sort_values(
        ["_after_baseline", "w1"], ascending=[True, False], kind="stable")
    columns = [_column("strategy", "Model", "text"), _column("w1", "w1"), _column("w2", "w2"),
               _column("best_epoch", "Epoch"), *_objective_columns(objectives),
               _column("pareto_rank", "Pareto rank"), _column("trial_id", "Trial", "text")]
    return _spec(rows, columns, "Weighted-sum sweep (paper Table 1): baseline and "
                 "scalarization trials; values at each trial's chosen epoch.")


def table2(table: pd.DataFrame, objectives: Sequence[Objective]) -> dict[str, Any]:
    """The paper's Table 2: one row per approach, represented by its best trial."""
    ranked = _sort_key(table, objectives).assign(
        approach=[_approach(a, b) for a, b in zip(table["strategy"], table["schedule"],
                                                  strict=True)])
    ranked = ranked.sort_values(["_rank", "_first"], kind="stable", na_position="last")
    counts = ranked.groupby("approach", sort=False)["trial_id"].count()
    best = ranked.drop_duplicates("approach").assign(
        trials=lambda t: t["approach"].map(counts)).sort_values("approach", kind="stable")
    columns = [_column("approach", "Approach", "text"), _column("w1", "w1"),
               _column("w2", "w2"), _column("best_epoch", "Epoch"),
               *_objective_columns(objectives), _column("pareto_rank", "Pareto rank"),
               _column("trials", "Trials"), _column("trial_id", "Best trial", "text")]
    return _spec(best, columns, "Approaches (paper Table 2): each approach's best trial "
                 "(lowest Pareto rank, then best first objective).")


def trials_state_table(table: pd.DataFrame, objectives: Sequence[Objective]) -> dict[str, Any]:
    """All trials with their state, progress, objective values and error reason."""
    columns = [_column("trial_id", "Trial", "text"), _column("state", "State", "text"),
               _column("strategy", "Strategy", "text"), _column("schedule", "Schedule", "text"),
               _column("w1", "w1"), _column("w2", "w2"), _column("lr", "lr"),
               _column("epochs_done", "Epochs done"), _column("steps_done", "Steps done"),
               *_objective_columns(objectives), _column("pareto_rank", "Pareto rank"),
               _column("started_at", "Started", "time"),
               _column("finished_at", "Finished", "time"), _column("error", "Error", "text")]
    return _spec(table, columns, "Every trial of the study with its state; errored trials "
                 "show their reason.")
