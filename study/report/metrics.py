"""What the explorer knows about metric names: directions, axis groups and curve panels.

Registries, not branches: a metric's default direction comes from the last part of its name
(`eval/sj/accuracy` -> `accuracy` -> max); the study's objectives override it. The page lets
users flip any axis's direction, so a guess only sets the starting point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from study.results.export import CONFIG_PREFIX
from study.results.store import SUMMARY_COLUMNS, Objective

DIRECTION_BY_SUFFIX = {
    "loss": "min", "nll": "min", "or_loss": "min", "rejected_logps": "min",
    "accuracy": "max", "log_odds_ratio": "max", "chosen_logps": "max",
    "tokens_per_s": "max", "padding_efficiency": "max",
}
DEFAULT_DIRECTION = "min"

# Columns of `trials_table` that are bookkeeping, not metrics or hyperparameters: the table's
# own, and the training loop's counters that ride along with every report (also as last/...).
LOOP_COUNTERS = ("step", "total_steps", "epoch", "epoch_end", "time")
BOOKKEEPING_COLUMNS = ("trial_id", "state", "error", "epochs_done", "steps_done", "last_epoch",
                       "started_at", "finished_at", "non_dominated", "pareto_rank",
                       "loss_non_dominated", *LOOP_COUNTERS,
                       *(f"last/{c}" for c in LOOP_COUNTERS))
HYPERPARAMETER_COLUMNS = (*(c for c in SUMMARY_COLUMNS if c not in ("strategy", "schedule")),
                          "best_epoch")
CATEGORICAL_COLUMNS = ("strategy", "schedule")

# The paper's Figure 3 (right): the front of the two training losses at the chosen epoch.
LOSS_FRONT = (Objective("train/alignment/loss", "min"), Objective("train/sj/loss", "min"))

# Curve panels of a selected trial: (panel id, title, [(metric, task, split)]).
# Figure 3 (left) plots the training log-odds ratios; eval series are drawn too when present
# (and are all there is when a run logs no training log-odds).
CURVE_PANELS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("log_odds", "Log odds ratio over steps (paper Figure 3, left)", (
        ("train/alignment/log_odds_ratio", "alignment", "train"),
        ("train/sj/log_odds_ratio", "self-judgment", "train"),
        ("eval/alignment/log_odds_ratio", "alignment", "eval"),
        ("eval/sj/log_odds_ratio", "self-judgment", "eval"),
    )),
    ("losses", "Losses over steps", (
        ("train/loss", "total", "train"),
        ("train/alignment/loss", "alignment", "train"),
        ("train/sj/loss", "self-judgment", "train"),
        ("eval/alignment/loss", "alignment", "eval"),
        ("eval/sj/loss", "self-judgment", "eval"),
    )),
)


def default_direction(metric: str) -> str:
    """`min` or `max` for a metric name, from its last `/`-separated part."""
    return DIRECTION_BY_SUFFIX.get(metric.rsplit("/", 1)[-1], DEFAULT_DIRECTION)


def directions(columns: Iterable[str], objectives: Sequence[Objective]) -> dict[str, str]:
    """Default direction of every column: the objective's mode, else the name registry."""
    modes = {o.metric: o.mode for o in objectives}
    return {c: modes.get(c, default_direction(c)) for c in columns}


def axis_groups(table: pd.DataFrame, objectives: Sequence[Objective]) -> list[dict[str, object]]:
    """Numeric columns offered as plot axes, grouped: objectives, metrics, last-epoch metrics,
    hyperparameters (the `config/...` columns repeat the hyperparameters and are not offered)."""
    numeric = [c for c in table.columns if c not in BOOKKEEPING_COLUMNS
               and c not in CATEGORICAL_COLUMNS and not c.startswith(CONFIG_PREFIX)
               and pd.to_numeric(table[c], errors="coerce").notna().any()]
    objective_names = [o.metric for o in objectives]
    metrics = [c for c in numeric if c not in objective_names and c not in HYPERPARAMETER_COLUMNS]
    groups = [
        ("Objectives", objective_names),
        ("Metrics at the chosen epoch", [c for c in metrics if not c.startswith("last/")]),
        ("Metrics at the last epoch", [c for c in metrics if c.startswith("last/")]),
        ("Hyperparameters", [c for c in HYPERPARAMETER_COLUMNS if c in numeric]),
    ]
    return [{"label": label, "columns": cols} for label, cols in groups if cols]


def curve_panels() -> list[dict[str, object]]:
    """The curve panels as JSON for the page."""
    return [{"id": pid, "title": title,
             "series": [{"metric": m, "task": task, "split": split} for m, task, split in series]}
            for pid, title, series in CURVE_PANELS]


def curve_metrics() -> list[str]:
    return [m for _, _, series in CURVE_PANELS for m, _, _ in series]
