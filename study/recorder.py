"""The Tune callback that keeps the results store current and prints the study's progress.

It runs in the study driver. For each trial it records the state (pending, running,
terminated, stopped_early, errored with its reason), the reports as curves, and two result
points: the best epoch by the primary objective (the paper reports the best of epochs 2 and
3) and the last epoch. An epoch-end report, or the trial's final report, is a result point.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

from ray.tune import Callback
from ray.tune.experiment import Trial

from study.results.store import Objective, StudyStore

LOOP_SCALARS = ("step", "total_steps", "epoch", "epoch_end", "lr", "tokens_per_s",
                "padding_efficiency")
HEARTBEAT_EVERY_S = 10.0
PROGRESS_EVERY_S = 20.0
_TUNE_STATES = {Trial.PENDING: "pending", Trial.RUNNING: "running", Trial.PAUSED: "pending"}


def loop_metrics(result: dict[str, Any]) -> dict[str, Any]:
    """The metrics mo_orpo's loop reported, without Tune's bookkeeping keys."""
    return {k: v for k, v in result.items() if "/" in k or k in LOOP_SCALARS}


def error_reason(trial: Trial) -> str:
    """The root cause of a trial's error in one line, e.g. 'NonFiniteLossError: ...'."""
    text = ""
    try:
        if trial.error_file:
            with open(trial.error_file, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
    except OSError:
        pass
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    causes = [ln for ln in lines if re.match(r"^[\w.]*(Error|Exception|Interrupt)\b.*:", ln)]
    return (causes[-1] if causes else (lines[-1] if lines else "unknown error"))[:500]


class StudyRecorder(Callback):
    def __init__(self, study_dir: str, objectives: list[Objective], name: str,
                 total_trials: int) -> None:
        self.study_dir, self.objectives, self.name = study_dir, objectives, name
        self.total_trials = total_trials
        self._records: dict[str, dict[str, Any]] = {}
        self._curves: dict[str, list[dict[str, Any]]] = {}
        self._last_heartbeat = self._last_progress = 0.0
        self._last_counts: dict[str, int] = {}

    @property
    def store(self) -> StudyStore:
        return StudyStore(self.study_dir)

    # ---------------------------------------------------------------- Tune hooks

    def setup(self, **info: Any) -> None:
        store = self.store
        self._records = {r["trial_id"]: r for r in store.trial_records()}
        self._curves = {t: store.read_curve(t) for t in self._records}
        store.heartbeat(alive=True)

    def on_step_end(self, iteration: int, trials: list[Trial], **info: Any) -> None:
        now = time.time()
        for trial in trials:
            record = self._record(trial)
            state = _TUNE_STATES.get(trial.status)
            if state and record["state"] not in ("terminated", "stopped_early", "errored") \
                    and record["state"] != state:
                record["state"] = state
                self._write(record)
        if now - self._last_heartbeat > HEARTBEAT_EVERY_S:
            self.store.heartbeat(alive=True)
            self._last_heartbeat = now
        self._progress(trials, force=False)

    def on_trial_start(self, iteration: int, trials: list[Trial], trial: Trial, **info) -> None:
        record = self._record(trial)
        record.update(state="running", error=None, finished_at=None)
        record["started_at"] = record.get("started_at") or time.time()
        self._write(record)

    def on_trial_result(self, iteration: int, trials: list[Trial], trial: Trial,
                        result: dict[str, Any], **info: Any) -> None:
        metrics = loop_metrics(result)
        if "step" not in metrics:
            return
        record = self._record(trial)
        report = {**metrics, "time": time.time()}
        curve = self._curves.setdefault(trial.trial_id, [])
        curve.append(report)
        self.store.append_curve(trial.trial_id, [report], curve)
        record["steps_done"] = max(record.get("steps_done", 0), metrics["step"])
        record["total_steps"] = metrics.get("total_steps")
        record["epochs_done"] = max(record.get("epochs_done", 0), math.floor(metrics["epoch"]))
        if metrics.get("epoch_end") or metrics["step"] == metrics.get("total_steps"):
            point = {"epoch": metrics["epoch"], "step": metrics["step"], "metrics": metrics}
            record["last"] = point
            if self._better(point, record.get("best")):
                record["best"] = point
        record["state"] = "running"
        self._write(record)

    def on_trial_complete(self, iteration: int, trials: list[Trial], trial: Trial,
                          **info: Any) -> None:
        record = self._record(trial)
        finished = record.get("total_steps") and record.get("steps_done") == record["total_steps"]
        record.update(state="terminated" if finished else "stopped_early",
                      finished_at=time.time())
        self._write(record)
        self._progress(trials, force=True)

    def on_trial_error(self, iteration: int, trials: list[Trial], trial: Trial,
                       **info: Any) -> None:
        record = self._record(trial)
        record.update(state="errored", error=error_reason(trial), finished_at=time.time())
        self._write(record)
        self._progress(trials, force=True)

    def on_experiment_end(self, trials: list[Trial], **info: Any) -> None:
        self._progress(trials, force=True)
        self.store.heartbeat(alive=False)

    # ---------------------------------------------------------------- helpers

    def _record(self, trial: Trial) -> dict[str, Any]:
        if trial.trial_id not in self._records:
            plan = trial.config["trial"]
            self._records[trial.trial_id] = {
                "trial_id": trial.trial_id, "index": plan["index"], "state": "pending",
                "error": None, "params": plan["params"], "summary": plan["summary"],
                "epochs_done": 0, "steps_done": 0, "best": None, "last": None,
                "started_at": None, "finished_at": None,
            }
            self._write(self._records[trial.trial_id])
        return self._records[trial.trial_id]

    def _better(self, point: dict[str, Any], best: dict[str, Any] | None) -> bool:
        primary = self.objectives[0]
        value = point["metrics"].get(primary.metric)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return best is None
        old = None if best is None else best["metrics"].get(primary.metric)
        if old is None:
            return True
        return value < old if primary.mode == "min" else value > old

    def _write(self, record: dict[str, Any]) -> None:
        record["updated_at"] = time.time()
        self.store.write_trial(record)

    def _progress(self, trials: list[Trial], force: bool) -> None:
        counts: dict[str, int] = {}
        for record in self._records.values():
            counts[record["state"]] = counts.get(record["state"], 0) + 1
        counts["pending"] = counts.get("pending", 0) + self.total_trials - len(self._records)
        now = time.time()
        if not force and counts == self._last_counts and now - self._last_progress < PROGRESS_EVERY_S:
            return
        self._last_counts, self._last_progress = counts, now
        order = ("running", "terminated", "stopped_early", "errored", "pending")
        line = " | ".join(f"{s.replace('_', ' ')} {counts.get(s, 0)}" for s in order)
        latest = max((r for r in self._records.values() if r.get("last")),
                     key=lambda r: r.get("updated_at", 0), default=None)
        if latest:
            values = ", ".join(f"{o.metric} {latest['last']['metrics'].get(o.metric, float('nan')):.4f}"
                               for o in self.objectives)
            summary = latest["summary"]
            line += (f" || latest {latest['trial_id']} ({summary['strategy']} w1={summary['w1']}"
                     f" {summary['schedule']}): {values}")
        print(f"[{self.name} {time.strftime('%H:%M:%S')}] {line}", flush=True)
