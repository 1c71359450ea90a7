"""Fixtures for the results/report/serve/export tests: realistic study dirs and a browser.

`write_explorer_study` writes a study the way the driver does (through `StudyStore`'s writer
methods): a weighted-sum sweep and the paper's other approaches, each with curves over three
epochs, plus an errored trial, a running one without an evaluation yet and a duplicate of a
front point. It returns what it wrote so tests compute their expectations from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from study.results.store import StudyStore

OBJECTIVES = [{"metric": "eval/alignment/loss", "mode": "min"},
              {"metric": "eval/sj/accuracy", "mode": "max"}]
CHROMIUM = os.environ.get("MO_ORPO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
STEPS_PER_EPOCH = 8
EPOCHS = 3
# (strategy, schedule, w1, w2): the paper's Tables 1 and 2.
APPROACHES = [
    ("baseline", "simultaneous", 1.0, 0.0),
    ("scalarization", "simultaneous", 0.9, 0.1), ("scalarization", "simultaneous", 0.8, 0.2),
    ("scalarization", "simultaneous", 0.7, 0.3), ("scalarization", "simultaneous", 0.6, 0.4),
    ("scalarization", "simultaneous", 0.5, 0.5), ("conjoined", "simultaneous", 0.7, 0.3),
    ("conditional", "simultaneous", 0.9, 0.1), ("scalarization", "epoch_by_epoch", 1.0, 1.0),
    ("scalarization", "task_by_task", 1.0, 1.0), ("sj_sft", "simultaneous", 0.6, 0.4),
]


@dataclass
class ExplorerStudy:
    """What `write_explorer_study` wrote."""

    name: str
    storage: Path
    path: Path
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    curves: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def store(self) -> StudyStore:
        return StudyStore(str(self.path))

    def best(self, trial_id: str, metric: str) -> float | None:
        best = self.records[trial_id].get("best") or {}
        return (best.get("metrics") or {}).get(metric)


def trial_reports(rng: np.random.Generator, w1: float, t0: float) -> list[dict[str, Any]]:
    """Per-step reports over EPOCHS epochs; eval metrics on the last step of each epoch."""
    reports = []
    a_level, s_level = rng.uniform(0.8, 1.6), rng.uniform(0.3, 1.2)
    for step in range(1, EPOCHS * STEPS_PER_EPOCH + 1):
        decay = np.exp(-step / 12)
        total = EPOCHS * STEPS_PER_EPOCH
        report = {"step": step, "total_steps": total, "epoch": step / STEPS_PER_EPOCH,
                  "epoch_end": step % STEPS_PER_EPOCH == 0, "time": t0 + step,
                  "lr": 2.5e-6 * (1 + np.cos(np.pi * step / total)),
                  "train/alignment/loss": a_level * (0.6 + 0.4 * decay) * w1 + 0.2,
                  "train/sj/loss": s_level * (0.5 + 0.5 * decay),
                  "train/alignment/log_odds_ratio": 3 * (1 - decay) * w1 + rng.normal(0, 0.05),
                  "train/sj/log_odds_ratio": 4 * (1 - decay) * (1.2 - w1) + rng.normal(0, 0.05)}
        report["train/loss"] = w1 * report["train/alignment/loss"] + \
            (1 - w1) * report["train/sj/loss"]
        if step % STEPS_PER_EPOCH == 0:
            report.update({
                "eval/alignment/loss": round(report["train/alignment/loss"] + rng.uniform(0, .2), 4),
                "eval/sj/accuracy": round(float(np.clip(0.5 + 0.4 * (1 - w1) + rng.normal(0, .08),
                                                        0, 1)), 4),
                "eval/alignment/log_odds_ratio": report["train/alignment/log_odds_ratio"] - 0.1,
                "eval/sj/log_odds_ratio": report["train/sj/log_odds_ratio"] - 0.1,
                "eval/sj/loss": report["train/sj/loss"] + 0.05,
            })
        reports.append(report)
    return reports


def trial_record(trial_id: str, approach: tuple[str, str, float, float],
                 reports: list[dict[str, Any]], state: str, t0: float,
                 error: str | None = None) -> dict[str, Any]:
    """A trial record as the driver writes it; the best epoch minimises eval/alignment/loss."""
    strategy, schedule, w1, w2 = approach
    evals = [r for r in reports if "eval/alignment/loss" in r]
    record: dict[str, Any] = {
        "trial_id": trial_id, "state": state, "error": error,
        "params": {"train.strategy": strategy, "train.schedule": schedule, "train.w1": w1,
                   "train.w2": w2, "train.lr": 5e-6},
        "summary": {"strategy": strategy, "schedule": schedule, "w1": w1, "w2": w2, "lr": 5e-6,
                    "epochs": EPOCHS, "orpo_lambda": 0.1, "lora_r": 8, "seed": 0},
        "epochs_done": len(evals), "steps_done": len(reports), "started_at": t0,
        "finished_at": t0 + len(reports) + 1 if state in ("terminated", "errored") else None,
        "updated_at": t0 + len(reports),
    }
    if evals:  # result points as study.recorder keeps them: the report's metrics, no time
        best = min(evals, key=lambda r: r["eval/alignment/loss"])
        last = evals[-1]
        record["best"], record["last"] = (
            {"epoch": r["epoch"], "step": r["step"],
             "metrics": {k: v for k, v in r.items() if k != "time"}} for r in (best, last))
    return record


def write_explorer_study(storage: Path, name: str = "explorer-study", seed: int = 0,
                         display_name: str | None = None,
                         labels: dict[str, str] | None = None) -> ExplorerStudy:
    """Write a realistic study under `storage/name` (see the module docstring).

    `display_name` goes into study.json's `name`; `labels` maps strategy names to other
    labels (both for the injection tests).
    """
    labels = labels or {}
    rng = np.random.default_rng(seed)
    study = ExplorerStudy(name=name, storage=storage, path=storage / name)
    store = study.store
    store.write_study({"name": display_name or name, "objectives": OBJECTIVES,
                       "planned_trials": len(APPROACHES) + 3})
    store.heartbeat(alive=True)
    t0 = 1_700_000_000.0
    for i, (strategy, *rest) in enumerate(APPROACHES):
        trial_id = f"trial_{i:05d}"
        reports = trial_reports(rng, rest[1], t0 + 100 * i)
        approach = (labels.get(strategy, strategy), *rest)
        record = trial_record(trial_id, approach, reports, "terminated", t0 + 100 * i)
        study.records[trial_id], study.curves[trial_id] = record, reports
    # A duplicate of the trial with the best alignment loss: equal points are both on the front.
    first = min(study.records, key=lambda t: study.best(t, "eval/alignment/loss"))
    dup = dict(study.records[first], trial_id="trial_dup", finished_at=t0 + 5000)
    study.records["trial_dup"], study.curves["trial_dup"] = dup, study.curves[first]
    # Errored after one epoch without a usable evaluation; running with no evaluation yet.
    err_reports = trial_reports(rng, 0.6, t0 + 3000)[: STEPS_PER_EPOCH - 1]
    study.records["trial_err"] = trial_record(
        "trial_err", ("scalarization", "simultaneous", 0.6, 0.4), err_reports, "errored",
        t0 + 3000, error="RuntimeError: CUDA out of memory (tried to allocate 2.00 GiB)")
    study.curves["trial_err"] = err_reports
    run_reports = trial_reports(rng, 0.7, t0 + 4000)[:3]
    study.records["trial_run"] = trial_record(
        "trial_run", ("conditional", "simultaneous", 0.7, 0.3), run_reports, "running", t0 + 4000)
    study.curves["trial_run"] = run_reports
    for trial_id, record in study.records.items():
        store.write_trial(record)
        store.write_curve(trial_id, study.curves[trial_id])
    return study


@pytest.fixture
def explorer_study(tmp_path: Path) -> ExplorerStudy:
    return write_explorer_study(tmp_path / "studies")


@pytest.fixture(scope="session")
def explorer_browser() -> Iterator[Any]:
    """One headless chromium (Debian's package, driven by Playwright) for the browser tests.

    Each test opens its own context (Playwright gives every launch a fresh temporary profile).
    """
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: install Debian's `chromium` package "
                    "or set MO_ORPO_CHROMIUM to a chromium executable", pytrace=False)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def explorer_artifacts() -> Path:
    """Where browser tests keep their screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def explorer_study_factory() -> Any:
    """`write_explorer_study` for tests that need several or customised studies."""
    return write_explorer_study
