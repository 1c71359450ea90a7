"""`mo-orpo study submit` to a Ray head started on 127.0.0.1, as a Ray Job."""

import json
import socket
import subprocess
import sys
from pathlib import Path

from tests.study.ray.raytools import small_spec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_submit_runs_the_study_as_a_job_on_a_local_head(ray_sandbox, tmp_path: Path):
    ray = str(Path(sys.executable).parent / "ray")
    gcs_port, dashboard_port = free_port(), free_port()
    started = subprocess.run(
        [ray, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={gcs_port}",
         "--dashboard-host=127.0.0.1", f"--dashboard-port={dashboard_port}", "--num-cpus=2",
         "--disable-usage-stats"],
        env={**ray_sandbox.env, "PATH": f"{Path(sys.executable).parent}:{ray_sandbox.env['PATH']}"},
        capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        storage = tmp_path / "studies"
        spec = small_spec("submitted", storage, variants=[{"strategy": "conjoined", "w1": 0.7}])
        spec["base"]["epochs"] = 1
        path = ray_sandbox.write_spec(spec)
        out = ray_sandbox.cli("study", "submit", str(path), "--address",
                              f"http://127.0.0.1:{dashboard_port}", "--follow", timeout=400)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "submitted study 'submitted' as job mo-orpo-submitted-" in out.stdout
        assert "SUCCEEDED" in out.stdout
        status = ray_sandbox.cli("study", "status", "submitted", "--storage", str(storage),
                                 "--json")
        (trial,) = json.loads(status.stdout)["trials"]
        assert trial["state"] == "terminated" and trial["strategy"] == "conjoined"
    finally:
        subprocess.run([ray, "stop", "--force"], env=ray_sandbox.env, capture_output=True,
                       timeout=120)


def test_submit_rejects_an_invalid_spec_before_contacting_the_cluster(ray_sandbox, tmp_path):
    path = ray_sandbox.write_spec({"name": "bad", "variants": [{"strategy": "nope"}]})
    out = ray_sandbox.cli("study", "submit", str(path), "--address", "http://127.0.0.1:9")
    assert out.returncode == 2 and "strategy: got 'nope'" in out.stderr
