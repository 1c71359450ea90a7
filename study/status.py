"""`status`: one row per planned trial, from the results store alone (no Ray needed)."""

from __future__ import annotations

import math
from typing import Any

from study.plan import format_table
from study.results.store import StudyStore

STATUS_COLUMNS = ("trial_id", "strategy", "schedule", "w1", "w2", "state", "epochs_done")


def status_rows(store: StudyStore) -> list[dict[str, Any]]:
    """Every planned trial, in plan order: started ones from their records, the rest pending."""
    meta = store.read_study()
    objectives = [o["metric"] for o in meta["objectives"]]
    table = store.trials_table()
    by_index = {}
    for record in store.trial_records():
        by_index[record.get("index")] = record["trial_id"]
    rows_by_id = {r["trial_id"]: r for r in table.to_dict("records")}
    rows = []
    for plan in meta.get("plan", []):
        trial_id = by_index.get(plan["index"])
        row = rows_by_id.get(trial_id, {})
        summary = plan["summary"]
        rows.append({
            "index": plan["index"], "trial_id": trial_id,
            **{k: summary.get(k) for k in ("strategy", "schedule", "w1", "w2", "lr")},
            "state": row.get("state", "pending"),
            "epochs_done": row.get("epochs_done", 0), "steps_done": row.get("steps_done", 0),
            "best_epoch": row.get("best_epoch"),
            "objectives": {m: _clean(row.get(m)) for m in objectives},
            "error": row.get("error"),
        })
    return rows


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def format_status(store: StudyStore) -> str:
    meta = store.read_study()
    rows = status_rows(store)
    objectives = [o["metric"] for o in meta["objectives"]]
    flat = [{**r, **r["objectives"], "state": r["state"].replace("_", " ")} for r in rows]
    columns = [*STATUS_COLUMNS, *objectives, "error"]
    driver = "running" if store.driver_alive() else "not running"
    return (f"study {meta['name']!r} ({store.study_dir}); driver {driver}\n"
            + format_table(flat, columns) + "\n" + outcome_counts(rows))


def outcome_counts(rows: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    return f"{len(rows)} trials: " + ", ".join(
        f"{n} {s.replace('_', ' ')}" for s, n in sorted(counts.items()))


def outcome_line(store: StudyStore) -> str:
    name = store.read_study()["name"]
    return (f"{outcome_counts(status_rows(store))}; results in {store.study_dir}\n"
            f"next: mo-orpo study status {name} | mo-orpo study report {name}")
