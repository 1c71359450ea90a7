"""One row per trial, ready to leave the tool: config, state, objective values, Pareto flags.

`export_table(store)` is `StudyStore.trials_table()` plus:

- `config/<dotted.key>` for every entry of the trial's `params` (its full config),
- `non_dominated` (bool; False for trials left out for lack of values) and `pareto_rank`
  (1 = front; empty for left-out trials) over the study's objectives (`study.results.pareto`).

`write_export(table, fmt, output)` writes it as csv, parquet or json (`EXPORT_FORMATS`).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa

from study.results.pareto import add_pareto_columns
from study.results.store import StudyStore

CONFIG_PREFIX = "config/"


def config_columns(store: StudyStore, table: pd.DataFrame) -> pd.DataFrame:
    """`config/<dotted.key>` columns (each trial's `params`), aligned with `table`'s rows."""
    params = {str(r["trial_id"]): r.get("params") or {} for r in store.trial_records()}
    keys = sorted({k for p in params.values() for k in p})
    return pd.DataFrame(
        [{f"{CONFIG_PREFIX}{k}": params.get(str(t), {}).get(k) for k in keys}
         for t in table["trial_id"]], index=table.index, columns=[CONFIG_PREFIX + k for k in keys])


def export_table(store: StudyStore) -> pd.DataFrame:
    """Trials table + `config/...` columns + `non_dominated` and `pareto_rank`."""
    table, _ = add_pareto_columns(store.trials_table(), store.objectives())
    front = ["trial_id", "state", "non_dominated", "pareto_rank"]
    rest = [c for c in table.columns if c not in front]
    return pd.concat([table[front + rest], config_columns(store, table)], axis=1)


def _to_csv(table: pd.DataFrame, out: IO[bytes]) -> None:
    out.write(table.to_csv(index=False).encode("utf-8"))


def _to_json(table: pd.DataFrame, out: IO[bytes]) -> None:
    records = json.loads(table.to_json(orient="records"))  # NaN/NA -> null
    out.write((json.dumps(records, indent=1) + "\n").encode("utf-8"))


def _to_parquet(table: pd.DataFrame, out: IO[bytes]) -> None:
    buffer = io.BytesIO()
    _arrow_safe(table).to_parquet(buffer, index=False)
    out.write(buffer.getvalue())


def _arrow_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns arrow cannot type (e.g. a config value that is a list in one trial and a
    string in another) are written as JSON text."""
    table = table.copy()
    for column in table.select_dtypes(include="object").columns:
        try:
            pa.array(table[column], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            table[column] = [None if v is None or v is pd.NA else
                             v if isinstance(v, str) else json.dumps(v, default=str)
                             for v in table[column]]
    return table


EXPORT_FORMATS: dict[str, Callable[[pd.DataFrame, IO[bytes]], None]] = {
    "csv": _to_csv, "parquet": _to_parquet, "json": _to_json,
}


def write_export(table: pd.DataFrame, fmt: str, output: str | Path) -> str:
    """Write `table` as `fmt` to `output` (`-` = stdout); returns where it went."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {sorted(EXPORT_FORMATS)}")
    writer: Callable[[pd.DataFrame, IO[bytes]], Any] = EXPORT_FORMATS[fmt]
    if str(output) == "-":
        writer(table, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return "<stdout>"
    path = Path(output).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        writer(table, out)
    return str(path)
