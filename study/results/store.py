"""The study's results store: tables readable without Ray, defined once here.

Layout under the study directory (`{storage}/{name}`, local path or any pyarrow URI):

    _results/study.json              study metadata: name, objectives, planned trials, driver heartbeat
    _results/trials/{trial_id}.json  one object per trial (see `TrialRecord`)
    _results/curves/{trial_id}.jsonl one object per report of that trial (the curves)

The study driver writes these as trials report (`study.callbacks`); `status`, `report`,
`serve` and `export` only read them, so they work while the study runs, after it ended, and
without a Ray cluster. Readers turn them into two pandas tables:

- `trials_table`: one row per trial. Columns: `trial_id`, `state`, `error`, the trial's
  hyperparameters (`SUMMARY_COLUMNS`), `epochs_done`, `steps_done`, `best_epoch`,
  `last_epoch`, `started_at`, `finished_at` (unix seconds), then one column per metric
  holding its value at the trial's chosen (best) epoch, and `last/<metric>` holding its value
  at the last epoch.
- `curves_table`: one row per report: `trial_id`, `step`, `epoch`, `time`, then metrics. The
  curve files keep every report as it arrived (a trial resumed from a checkpoint repeats the
  steps after it); the table keeps the latest report of each step.

States: pending, running, terminated, stopped_early, errored; a trial recorded as pending or
running while no driver is alive (stale heartbeat) reads as `interrupted`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs

from mo_orpo.errors import UserError
from study.paths import study_dir

RESULTS_DIR = "_results"
STATES = ("pending", "running", "terminated", "stopped_early", "errored", "interrupted")
FINAL_STATES = ("terminated", "stopped_early", "errored")
SUMMARY_COLUMNS = ("strategy", "schedule", "w1", "w2", "lr", "epochs", "orpo_lambda",
                   "lora_r", "seed")
HEARTBEAT_STALE_S = 60.0


@dataclass(frozen=True)
class Objective:
    """One axis of the study's Pareto front."""

    metric: str
    mode: str  # "min" or "max"

    def to_dict(self) -> dict[str, str]:
        return {"metric": self.metric, "mode": self.mode}


class StudyStore:
    """Reads and writes one study's `_results` folder on a local path or a pyarrow URI."""

    def __init__(self, study_dir: str) -> None:
        self.study_dir = study_dir
        self._fs, root = _filesystem(study_dir)
        self._root = f"{root.rstrip('/')}/{RESULTS_DIR}"

    # ------------------------------------------------------------ paths and raw io

    def _path(self, *parts: str) -> str:
        return "/".join([self._root, *parts])

    def _write(self, rel: str, text: str) -> None:
        path = self._path(rel)
        self._fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
        with self._fs.open_output_stream(tmp) as out:
            out.write(text.encode("utf-8"))
        self._fs.move(tmp, path)  # atomic on local disks; readers never see half a file

    def _read(self, rel: str) -> str | None:
        try:
            with self._fs.open_input_stream(self._path(rel)) as inp:
                return inp.read().decode("utf-8")
        except (FileNotFoundError, OSError):
            return None

    def _list(self, rel: str, suffix: str) -> list[str]:
        selector = pafs.FileSelector(self._path(rel), allow_not_found=True)
        names = [info.base_name for info in self._fs.get_file_info(selector)
                 if info.type == pafs.FileType.File and info.base_name.endswith(suffix)]
        return sorted(n[: -len(suffix)] for n in names)

    def fingerprint(self) -> str:
        """A hash of the results folder's listing (paths, sizes, mtimes): changes on every
        write, so readers can tell cheaply whether anything is new."""
        selector = pafs.FileSelector(self._root, recursive=True, allow_not_found=True)
        digest = hashlib.sha1()
        for info in sorted(self._fs.get_file_info(selector), key=lambda i: i.path):
            if info.type == pafs.FileType.File and ".tmp-" not in info.base_name:
                digest.update(f"{info.path}\0{info.size}\0{info.mtime_ns}\n".encode())
        return digest.hexdigest()

    def exists(self) -> bool:
        return self._read("study.json") is not None

    # ------------------------------------------------------------ study metadata

    def write_study(self, meta: Mapping[str, Any]) -> None:
        self._write("study.json", json.dumps(dict(meta), indent=2, sort_keys=True))

    def read_study(self) -> dict[str, Any]:
        text = self._read("study.json")
        if text is None:
            raise FileNotFoundError(
                f"no study results at {self.study_dir} (expected {self._path('study.json')}); "
                "check the study name and --storage")
        return json.loads(text)

    def objectives(self) -> list[Objective]:
        return [Objective(**o) for o in self.read_study()["objectives"]]

    def heartbeat(self, alive: bool = True) -> None:
        """Record that a driver is (or is no longer) running this study."""
        meta = self.read_study()
        meta["driver"] = {"host": socket.gethostname(), "pid": os.getpid(),
                          "heartbeat_at": time.time(), "alive": alive}
        self.write_study(meta)

    def driver_alive(self) -> bool:
        """Whether a study driver is running: its heartbeat is fresh and, when it ran on this
        host, its process still exists (so a killed driver reads as dead at once)."""
        driver = self.read_study().get("driver") or {}
        fresh = time.time() - driver.get("heartbeat_at", 0) < HEARTBEAT_STALE_S
        if not (driver.get("alive") and fresh):
            return False
        if driver.get("host") == socket.gethostname():
            return _process_exists(int(driver.get("pid", 0)))
        return True

    # ------------------------------------------------------------ trials and curves

    def write_trial(self, record: Mapping[str, Any]) -> None:
        self._write(f"trials/{record['trial_id']}.json", json.dumps(dict(record), sort_keys=True))

    def read_trial(self, trial_id: str) -> dict[str, Any] | None:
        text = self._read(f"trials/{trial_id}.json")
        return json.loads(text) if text else None

    def trial_records(self) -> list[dict[str, Any]]:
        records = [self.read_trial(t) for t in self._list("trials", ".json")]
        return [r for r in records if r is not None]

    def write_curve(self, trial_id: str, reports: Iterable[Mapping[str, Any]]) -> None:
        self._write(f"curves/{trial_id}.jsonl", _jsonl(reports))

    def append_curve(self, trial_id: str, new: Iterable[Mapping[str, Any]],
                     everything: Iterable[Mapping[str, Any]]) -> None:
        """Add `new` reports to a trial's curve: appended where the filesystem can append
        (local disks), else the file is rewritten with `everything` (object stores)."""
        path = self._path(f"curves/{trial_id}.jsonl")
        try:
            self._fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
            with self._fs.open_append_stream(path) as out:
                out.write(_jsonl(new).encode("utf-8"))
        except (NotImplementedError, OSError, pa.ArrowNotImplementedError):
            self.write_curve(trial_id, everything)

    def read_curve(self, trial_id: str) -> list[dict[str, Any]]:
        text = self._read(f"curves/{trial_id}.jsonl") or ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    # ------------------------------------------------------------ tables

    def trials_table(self) -> pd.DataFrame:
        """One row per trial (see the module docstring for the columns)."""
        alive = self.exists() and self.driver_alive()
        rows = [trial_row(r, driver_alive=alive) for r in self.trial_records()]
        base = ["trial_id", "state", "error", *SUMMARY_COLUMNS, "epochs_done", "steps_done",
                "best_epoch", "last_epoch", "started_at", "finished_at"]
        table = pd.DataFrame(rows)
        for column in base:
            if column not in table:
                table[column] = pd.Series(dtype=object)
        rest = sorted(c for c in table.columns if c not in base)
        return table[base + rest].reset_index(drop=True)

    def curves_table(self, trial_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per report, all trials (or those given), ordered by trial and step."""
        ids = list(trial_ids) if trial_ids is not None else self._list("curves", ".jsonl")
        rows = [dict(r, trial_id=t) for t in ids for r in self.read_curve(t)]
        table = pd.DataFrame(rows)
        if table.empty:
            return pd.DataFrame(columns=["trial_id", "step", "epoch", "time"])
        front = ["trial_id", "step", "epoch", "time"]
        table = table.drop_duplicates(["trial_id", "step"], keep="last")
        return table[[c for c in front if c in table] +
                     sorted(c for c in table if c not in front)].sort_values(
            ["trial_id", "step"], kind="stable").reset_index(drop=True)


class StudyNotFoundError(UserError, FileNotFoundError):
    """No results for the study where we looked."""


def open_study(name: str, storage: str | None = None) -> StudyStore:
    """The results store of study `name`, or a `StudyNotFoundError` that says where we looked."""
    location = study_dir(name, storage)
    store = StudyStore(location)
    if not store.exists():
        raise StudyNotFoundError(
            f"no study {name!r} at {location} (no _results/study.json there). Check the name, "
            "or pass --storage with the folder or URI that holds your studies "
            "(default: $MO_ORPO_STORAGE or ~/mo-orpo-studies).")
    return store


def trial_row(record: Mapping[str, Any], driver_alive: bool = True) -> dict[str, Any]:
    """Flatten one trial record into a `trials_table` row."""
    state = record.get("state", "pending")
    if state not in FINAL_STATES and not driver_alive:
        state = "interrupted"
    best, last = record.get("best") or {}, record.get("last") or {}
    row: dict[str, Any] = {
        "trial_id": record["trial_id"], "state": state, "error": record.get("error"),
        **{k: (record.get("summary") or {}).get(k) for k in SUMMARY_COLUMNS},
        "epochs_done": record.get("epochs_done", 0), "steps_done": record.get("steps_done", 0),
        "best_epoch": best.get("epoch"), "last_epoch": last.get("epoch"),
        "started_at": record.get("started_at"), "finished_at": record.get("finished_at"),
    }
    # hyperparameter columns win over same-named metrics (the loop reports the scheduled lr)
    row.update({k: v for k, v in (best.get("metrics") or {}).items() if k not in row})
    row.update({f"last/{k}": v for k, v in (last.get("metrics") or {}).items()})
    return row


def _jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(dict(r), sort_keys=True) + "\n" for r in rows)


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    if "://" not in uri:
        return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(uri))
    return pafs.FileSystem.from_uri(uri)
