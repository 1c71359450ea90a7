"""`mo-orpo study serve`: the live page picks up new results; the server is read-only."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from study.report.serve import ExplorerServer
from study.results.store import StudyStore

OBJECTIVES = ("eval/alignment/loss", "eval/sj/accuracy")


@pytest.fixture
def served(explorer_study: Any) -> Iterator[ExplorerServer]:
    server = ExplorerServer(explorer_study.store, "127.0.0.1", 0, poll_ms=250)
    server.start_background()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def request(server: ExplorerServer, method: str, path: str,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def front_size(points: list[tuple[float, float]]) -> int:
    def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1])

    return sum(not any(dominates(q, p) for j, q in enumerate(points) if j != i)
               for i, p in enumerate(points))


def test_new_trial_appears_without_reload(explorer_browser: Any, served: ExplorerServer,
                                          explorer_study: Any, explorer_artifacts: Path) -> None:
    context = explorer_browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(served.url)
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        assert page.text_content("#plotted-count") == "12"
        page.evaluate("() => { window.__notReloaded = 42; }")

        # the running trial reports its first evaluation, and a new trial finishes
        store = explorer_study.store
        running = store.read_trial("trial_run")
        best = min(p for t in explorer_study.records
                   if (p := explorer_study.best(t, OBJECTIVES[0])) is not None)
        metrics = {OBJECTIVES[0]: best - 0.05, OBJECTIVES[1]: 0.97, "train/alignment/loss": 0.3,
                   "train/sj/loss": 0.2}
        running["best"] = {"epoch": 1, "step": 8, "metrics": metrics}
        store.write_trial(running)
        new = dict(store.read_trial("trial_00003"), trial_id="trial_new",
                   finished_at=time.time())
        new["best"] = {"epoch": 2, "step": 16, "metrics": dict(new["best"]["metrics"],
                                                               **{OBJECTIVES[1]: 0.1})}
        store.write_trial(new)
        store.write_curve("trial_new", explorer_study.curves["trial_00003"])

        page.wait_for_function(
            "() => document.getElementById('plotted-count').textContent === '14'", timeout=20_000)
        points = [(explorer_study.best(t, OBJECTIVES[0]), explorer_study.best(t, OBJECTIVES[1]))
                  for t in explorer_study.records]
        points = [p for p in points if None not in p]
        points += [(metrics[OBJECTIVES[0]], metrics[OBJECTIVES[1]]),
                   (new["best"]["metrics"][OBJECTIVES[0]], 0.1)]
        assert page.text_content("#nd-count") == str(front_size(points)) == "1"
        drawn = page.eval_on_selector_all("#front-plot .scatterlayer path.point",
                                          "els => els.map(e => [e.__data__.x, e.__data__.y])")
        assert len(drawn) == 14 and [metrics[OBJECTIVES[0]], 0.97] in drawn
        assert page.evaluate("() => window.__notReloaded") == 42
        assert "live" in page.text_content("#live-status")
        assert "trial_new" in page.text_content("#state-table")
        page.screenshot(path=str(explorer_artifacts / "serve-live.png"), full_page=False)
        assert errors == []
    finally:
        context.close()


def test_server_is_read_only_and_loopback(served: ExplorerServer, explorer_study: Any) -> None:
    assert served.server_address[0] == "127.0.0.1"
    before = StudyStore(str(explorer_study.path)).fingerprint()
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, _ = request(served, method, "/api/data")
        assert status == 405, method
    assert StudyStore(str(explorer_study.path)).fingerprint() == before

    status, body = request(served, "GET", "/api/data")
    payload = json.loads(body)
    assert status == 200 and payload["study"]["name"] == explorer_study.name
    status, body = request(served, "GET", f"/api/data?since={payload['version']}")
    assert json.loads(body) == {"unchanged": True, "version": payload["version"]}
    status, body = request(served, "HEAD", "/")
    assert status == 200 and body == b""
    assert request(served, "GET", "/nope")[0] == 404
    # DNS rebinding: a page on another origin resolving to 127.0.0.1 sends its own Host
    assert request(served, "GET", "/api/data", {"Host": "evil.example:80"})[0] == 403
    assert request(served, "GET", "/healthz", {"Host": "localhost"})[0] == 200


def test_cli_serve_prints_its_url(explorer_study: Any) -> None:
    script = textwrap.dedent(f"""
        import argparse, sys
        from study.cli import serve
        parser = argparse.ArgumentParser()
        serve.register(parser.add_subparsers())
        args = parser.parse_args(["serve", {explorer_study.name!r}, "--storage",
                                  {str(explorer_study.storage)!r}, "--port", "0"])
        sys.exit(args.func(args))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line + proc.stderr.read()
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() == b"ok\n"
        conn.close()
        proc.send_signal(signal.SIGTERM)  # stops cleanly (exit 0), like Ctrl-C
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
