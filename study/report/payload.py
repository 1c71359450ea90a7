"""Study results -> the one JSON document the explorer page renders (report and serve alike).

Shape (all numbers finite or null; all text plain, never HTML):

    version        hash of the content: the live page re-renders only when it changes
    study          name, objectives [{metric, mode}], planned_trials, driver_alive, location
    trials         {columns: [...], rows: [[...], ...]}: `trials_table` plus `non_dominated`,
                   `pareto_rank` (study objectives), `loss_non_dominated` (paper Fig. 3 right)
                   and the full config as `config/<dotted.key>`
    left_out       trials off the front and why ([{trial_id, state, missing, reason}])
    axes           axis choices grouped for the dropdowns; `directions` {column: min|max}
    hypervolume    {value, reference, history: {finished_at, trial_id, hypervolume, front_size}}
    curves         {trial_id: {metric: {x: steps, y: values}}} for the curve panels' metrics,
                   at most `MAX_CURVE_POINTS` points per series (evenly thinned, last kept)
    curve_panels   the panels' titles and series (see `metrics.CURVE_PANELS`)
    paper          {loss_front: {x, y}, table1, table2}; `state_table`: every trial's state
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from study.report import metrics, tables
from study.results.export import config_columns
from study.results.pareto import add_pareto_columns, front_hypervolume, hypervolume_history
from study.results.store import StudyStore

MAX_CURVE_POINTS = 400
SCHEMA = 1


def build_payload(store: StudyStore) -> dict[str, Any]:
    """Read the study's results and assemble the explorer's JSON document."""
    meta = store.read_study()
    objectives = store.objectives()
    raw = store.trials_table()
    table, left_out = add_pareto_columns(raw, objectives)
    loss_table, _ = add_pareto_columns(raw, metrics.LOSS_FRONT)
    table["loss_non_dominated"] = loss_table["non_dominated"]
    table = pd.concat([table, config_columns(store, table)], axis=1)
    hv_value, reference = front_hypervolume(table, objectives)
    history = hypervolume_history(table, objectives, reference if len(reference) else None)
    curves = store.curves_table(table["trial_id"].astype(str).tolist())
    payload = {
        "schema": SCHEMA,
        "study": {
            "name": str(meta.get("name", "")),
            "objectives": [o.to_dict() for o in objectives],
            "planned_trials": meta.get("planned_trials"),
            "driver_alive": store.exists() and store.driver_alive(),
            "location": store.study_dir,
        },
        "trials": _columnar(table),
        "left_out": [item.to_dict() for item in left_out],
        "axes": metrics.axis_groups(table, objectives),
        "directions": metrics.directions(table.columns, objectives),
        "hypervolume": {
            "value": hv_value, "reference": list(reference),
            "history": {c: history[c].tolist() for c in
                        ("finished_at", "trial_id", "hypervolume", "front_size")},
        },
        "curves": curves_by_trial(curves),
        "curve_panels": metrics.curve_panels(),
        "paper": {
            "loss_front": {"x": metrics.LOSS_FRONT[0].metric, "y": metrics.LOSS_FRONT[1].metric},
            "table1": tables.table1(table, objectives),
            "table2": tables.table2(table, objectives),
        },
        "state_table": tables.trials_state_table(table, objectives),
    }
    payload = jsonable(payload)
    payload["version"] = hashlib.sha1(to_json(payload).encode("utf-8")).hexdigest()[:16]
    payload["generated_at"] = time.time()
    return payload


def curves_by_trial(curves: pd.DataFrame) -> dict[str, dict[str, dict[str, list[float]]]]:
    """{trial_id: {metric: {x: steps, y: values}}} for the curve panels' metrics."""
    wanted = [m for m in metrics.curve_metrics() if m in curves]
    result: dict[str, dict[str, dict[str, list[float]]]] = {}
    if curves.empty or not wanted:
        return result
    for trial_id, group in curves.groupby("trial_id", sort=True):
        steps = pd.to_numeric(group["step"], errors="coerce").to_numpy(dtype=float)
        series = {}
        for metric in wanted:
            values = pd.to_numeric(group[metric], errors="coerce").to_numpy(dtype=float)
            keep = np.isfinite(values) & np.isfinite(steps)
            if keep.any():
                x, y = _thin(steps[keep], values[keep])
                series[metric] = {"x": x.tolist(), "y": y.tolist()}
        result[str(trial_id)] = series
    return result


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= MAX_CURVE_POINTS:
        return x, y
    index = np.unique(np.linspace(0, len(x) - 1, MAX_CURVE_POINTS).round().astype(int))
    return x[index], y[index]


def _columnar(table: pd.DataFrame) -> dict[str, Any]:
    clean = table.astype(object).where(table.notna(), None)
    return {"columns": [str(c) for c in table.columns], "rows": clean.to_numpy().tolist()}


def jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN/inf/NA -> null, tuples -> lists."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def to_json(payload: Mapping[str, Any]) -> str:
    """Compact JSON (no NaN: run `jsonable` first)."""
    return json.dumps(payload, separators=(",", ":"), allow_nan=False, sort_keys=True)
