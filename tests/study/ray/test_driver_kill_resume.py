"""SIGKILL the study driver mid-sweep, resume, and check nothing restarted from scratch."""

import json
import os
import signal

import pytest
import torch

from mo_orpo.config import TrainConfig, build
from mo_orpo.train import train
from study.spec import spec_from_dict
from tests.study.ray.raytools import (
    checkpoints_of,
    raw_curve,
    small_spec,
    trial_records,
    wait_for,
)

COMPARED = ("eval/alignment/loss", "eval/alignment/accuracy", "eval/sj/loss",
            "eval/sj/log_odds_ratio", "train/loss")


def uninterrupted_final_metrics(train_config: dict) -> dict:
    """The same trial trained in this process, on one thread like a Ray worker's."""
    reports = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(build(TrainConfig, train_config), lambda m, c: reports.append(m))
    finally:
        torch.set_num_threads(threads)
    return reports[-1]


def test_killed_driver_resumes_every_trial_from_its_checkpoint(ray_sandbox, tmp_path):
    storage = tmp_path / "studies"
    spec = small_spec("killme", storage)
    spec["base"]["epochs"] = 3
    path = ray_sandbox.write_spec(spec)

    driver = ray_sandbox.start_cli("study", "launch", str(path))

    def progressed():
        records = trial_records(storage, "killme")
        started = [r for r in records if r["steps_done"] >= 8 and r["state"] == "running"
                   and checkpoints_of(storage, "killme", r["trial_id"])]
        states = list(storage.glob("killme/experiment_state-*.json"))
        return started if started and states else None
    interrupted = wait_for(progressed, 240, "a running trial with a checkpoint")
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    interrupted_ids = {r["trial_id"] for r in interrupted}

    status = ray_sandbox.cli("study", "status", "killme", "--storage", str(storage), "--json")
    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)["trials"]
    assert len(rows) == 2 and not json.loads(status.stdout)["driver_running"]
    assert any(r["state"] == "interrupted" for r in rows)

    resumed = ray_sandbox.cli("study", "resume", "killme", "--storage", str(storage), timeout=420)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming" in resumed.stdout

    records = {r["trial_id"]: r for r in trial_records(storage, "killme")}
    assert len(records) == 2
    for trial_id, record in records.items():
        assert record["state"] == "terminated", record
        assert record["steps_done"] == record["total_steps"]
        curve = raw_curve(storage, "killme", trial_id)
        assert [r["step"] for r in curve].count(0) == 1, "a trial restarted from step 0"

    # A trial killed mid-way continued from its checkpoint (one step-0 report, checked above)
    # and ends with the same metrics as an uninterrupted run of the same config and seed.
    study = spec_from_dict(json.loads((storage / "killme/_results/study.json").read_text())["spec"])
    for trial_id in interrupted_ids:
        curve = raw_curve(storage, "killme", trial_id)
        plan = study.trials[records[trial_id]["index"]]
        expected = uninterrupted_final_metrics(plan.train_config)
        final = curve[-1]
        assert final["step"] == expected["step"]
        for key in COMPARED:
            assert final[key] == pytest.approx(expected[key], rel=1e-6, abs=1e-6), key

    again = ray_sandbox.cli("study", "resume", "killme", "--storage", str(storage))
    assert again.returncode == 0 and "nothing to resume" in again.stdout
