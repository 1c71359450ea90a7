"""Fixtures for tests that run real Ray clusters on this machine.

Each test gets its own Ray temp root (`RAY_TMPDIR`), passed to every process it starts; when
the test ends, every process whose environment carries that root is killed, so a test that
SIGKILLs a driver leaves no orphaned Ray processes behind for the next one.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.study.ray.raytools import REPO, RaySandbox, kill_all


@pytest.fixture
def ray_sandbox(tmp_path: Path) -> Iterator[RaySandbox]:
    root = tempfile.mkdtemp(prefix="rt-", dir="/tmp")  # short: Ray's socket paths must fit
    env = dict(os.environ, RAY_TMPDIR=root, RAY_AUTH_MODE="token", PYTHONUNBUFFERED="1",
               RAY_USAGE_STATS_ENABLED="0", PYTHONPATH=str(REPO))
    sandbox = RaySandbox(root, tmp_path, env)
    try:
        yield sandbox
    finally:
        for proc in sandbox.procs:
            if proc.poll() is None:
                proc.kill()
        kill_all(root)
        subprocess.run(["rm", "-rf", root], check=False)


