"""A trial that fails (a non-finite loss) is errored with its reason; the study goes on."""

import json

from tests.study.ray.raytools import small_spec, trial_records


def test_failed_trial_is_errored_with_its_reason_and_the_study_completes(ray_sandbox, tmp_path):
    storage = tmp_path / "studies"
    spec = small_spec("oneerror", storage, variants=[
        {"strategy": "scalarization", "w1": 0.6},
        {"strategy": "scalarization", "w1": 0.6, "lr": 1.0e8, "optim.max_grad_norm": None,
         "optim.warmup_ratio": 0.0},
    ])
    spec["base"]["epochs"] = 1
    spec["failure"] = {"worker_failures": 0}   # a non-finite loss would only recur
    out = ray_sandbox.cli("study", "launch", str(ray_sandbox.write_spec(spec)), timeout=400)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 errored" in out.stdout and "1 terminated" in out.stdout

    states = {r["summary"]["lr"]: r for r in trial_records(storage, "oneerror")}
    assert states[3e-3]["state"] == "terminated"
    errored = states[1e8]
    assert errored["state"] == "errored"
    assert "NonFiniteLossError: non-finite loss at step" in errored["error"]

    status = ray_sandbox.cli("study", "status", "oneerror", "--storage", str(storage), "--json")
    rows = json.loads(status.stdout)["trials"]
    assert [r["state"] for r in rows] == ["terminated", "errored"]
    assert "Lower optim.lr" in rows[1]["error"]
    table = ray_sandbox.cli("study", "status", "oneerror", "--storage", str(storage))
    assert "errored" in table.stdout and "non-finite loss" in table.stdout
