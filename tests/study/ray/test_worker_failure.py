"""Kill one Train worker of a running trial: the trial restores from its checkpoint and ends."""

import os
import signal

from tests.study.ray.raytools import (
    checkpoints_of,
    processes_with_env,
    raw_curve,
    small_spec,
    trial_records,
    wait_for,
)


def train_worker_pids(marker: str) -> list[int]:
    pids = []
    for pid in processes_with_env(marker):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read().startswith(b"ray::RayTrainWorker"):
                    pids.append(pid)
        except OSError:
            continue
    return pids


def test_a_killed_worker_is_replaced_and_the_trial_completes(ray_sandbox, tmp_path):
    storage = tmp_path / "studies"
    spec = small_spec("workerkill", storage, variants=[{"strategy": "scalarization", "w1": 0.6}])
    spec["base"]["epochs"] = 3
    spec["failure"] = {"worker_failures": 2}
    driver = ray_sandbox.start_cli("study", "launch", str(ray_sandbox.write_spec(spec)))

    def checkpointed():
        records = trial_records(storage, "workerkill")
        return [r for r in records if r["steps_done"] >= 8
                and checkpoints_of(storage, "workerkill", r["trial_id"])]
    (record,) = wait_for(checkpointed, 240, "a checkpoint of the running trial")
    (worker,) = wait_for(lambda: train_worker_pids(ray_sandbox.root), 30, "the Train worker")
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: [p for p in train_worker_pids(ray_sandbox.root) if p != worker], 120,
             "a replacement worker")

    assert driver.wait(timeout=300) == 0, ray_sandbox.log_of(0)
    (final,) = trial_records(storage, "workerkill")
    assert final["state"] == "terminated", final
    assert final["steps_done"] == final["total_steps"]
    steps = [r["step"] for r in raw_curve(storage, "workerkill", record["trial_id"])]
    assert steps.count(0) == 1, "the replacement worker started from scratch, not the checkpoint"
