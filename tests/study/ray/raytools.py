"""Helpers for tests that run real Ray clusters on this machine (see conftest.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from study.results.store import StudyStore

REPO = Path(__file__).resolve().parents[3]


def processes_with_env(marker: str) -> list[int]:
    """PIDs of processes whose environment holds `RAY_TMPDIR=<marker>`."""
    needle = f"RAY_TMPDIR={marker}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_all(marker: str) -> None:
    for _ in range(3):
        pids = processes_with_env(marker)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.5)


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, poll: float = 0.3) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def small_spec(name: str, storage: Path, **changes: Any) -> dict[str, Any]:
    """A study of small, quick trials on the tiny model (a few seconds of training each)."""
    spec = {
        "name": name, "storage": str(storage),
        "base": {"epochs": 2, "batch_size": 8, "log_every_steps": 2, "eval_every_steps": 4,
                 "checkpoint_every_steps": 4, "optim": {"lr": 3e-3},
                 "data": {"synthetic": {"train_pairs": 160, "test_pairs": 32},
                          "max_eval_pairs": 32}},
        "variants": [{"strategy": "scalarization", "w1": 0.7},
                     {"strategy": "conditional", "w1": 0.9, "w2": 0.1}],
        "resources": {"workers": 1, "cpus_per_worker": 0.9, "trial_driver_cpus": 0.1},
        "scheduler": {"type": "none"},
        "report_interval_s": 0.2,
    }
    for key, value in changes.items():
        spec[key] = value
    return spec


@dataclass
class RaySandbox:
    """Environment and helpers for one test's Ray processes."""

    root: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)

    def write_spec(self, spec: dict[str, Any]) -> Path:
        path = self.workdir / f"{spec['name']}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        return path

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mo_orpo.cli.main", *args], env=self.env,
                              cwd=self.workdir, capture_output=True, text=True, timeout=timeout)

    def start_cli(self, *args: str) -> subprocess.Popen:
        log = open(self.workdir / f"cli-{len(self.procs)}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "mo_orpo.cli.main", *args],
                                env=self.env, cwd=self.workdir, stdout=log,
                                stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def log_of(self, index: int) -> str:
        return (self.workdir / f"cli-{index}.log").read_text()


def trial_records(storage: Path, name: str) -> list[dict[str, Any]]:
    store = StudyStore(str(storage / name))
    return store.trial_records() if store.exists() else []


def raw_curve(storage: Path, name: str, trial_id: str) -> list[dict[str, Any]]:
    path = storage / name / "_results" / "curves" / f"{trial_id}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def checkpoints_of(storage: Path, name: str, trial_id: str) -> list[Path]:
    return sorted((storage / name / "_train" / trial_id).glob("checkpoint_*"))
