"""Submit a study to a running Ray cluster as a Ray Job (`mo-orpo study submit`).

The job runs `mo-orpo study launch SPEC` on the cluster's head node, so mo-orpo must be
installed there (cluster.yaml does it). The spec travels in the job's working directory; it is
validated here first, so a broken spec never reaches the cluster.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import time
from dataclasses import dataclass

import yaml

from study.spec import load_spec

SPEC_FILE = "study.yaml"
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")


@dataclass(frozen=True)
class Submission:
    job_id: str
    name: str
    address: str


def submit(spec_path: str, address: str, *, storage: str | None = None,
           name: str | None = None) -> Submission:
    """Validate the spec, then submit `mo-orpo study launch` for it as a Ray Job."""
    from ray.job_submission import JobSubmissionClient

    study = load_spec(spec_path, overrides={"name": name, "storage": storage})
    with open(spec_path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    raw.update({k: v for k, v in (("name", name), ("storage", storage)) if v})
    workdir = tempfile.mkdtemp(prefix="mo-orpo-submit-")
    try:
        with open(os.path.join(workdir, SPEC_FILE), "w", encoding="utf-8") as fh:
            yaml.safe_dump(raw, fh, sort_keys=False)
        client = JobSubmissionClient(address)
        job_id = client.submit_job(
            entrypoint=f"mo-orpo study launch {shlex.quote(SPEC_FILE)}",
            runtime_env={"working_dir": workdir},
            submission_id=f"mo-orpo-{study.spec.name}-{time.strftime('%Y%m%d-%H%M%S')}",
            metadata={"mo_orpo_study": study.spec.name},
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Submission(job_id, study.spec.name, address)


def follow(submission: Submission, poll_s: float = 2.0) -> str:
    """Print the job's logs as they grow until it ends; return its final status."""
    from ray.job_submission import JobSubmissionClient

    client = JobSubmissionClient(submission.address)
    shown = 0
    while True:
        status = str(client.get_job_status(submission.job_id).value)
        logs = client.get_job_logs(submission.job_id)
        print(logs[shown:], end="", flush=True)
        shown = len(logs)
        if status in TERMINAL:
            return status
        time.sleep(poll_s)
