"""Serve the explorer live: the same page as `report`, updated while the study runs.

Read-only by construction: the handler answers GET and HEAD on three paths and 405 to every
other method; nothing it calls writes to the study. Routes:

    /            the explorer page (live: it polls api/data and re-renders with Plotly.react)
    /api/data    the payload (see `study.report.payload`); `?since=VERSION` answers
                 `{"unchanged": true}` while the content is the same
    /healthz     `ok`

The results folder is listed on each poll (names, sizes, modification times, plus whether the
driver is alive); the payload is rebuilt only when that fingerprint changes. When bound to a
loopback address (the default) requests must name a loopback host, which blocks DNS
rebinding from web pages the user visits.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from study.report.html import render_html
from study.report.payload import build_payload, to_json
from study.results.store import StudyStore

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


class PayloadCache:
    """The latest payload of one study, rebuilt only when the results change."""

    def __init__(self, store: StudyStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._key: str | None = None
        self._payload: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        with self._lock:
            key = f"{self.store.fingerprint()}:{self.store.driver_alive()}"
            if key != self._key or self._payload is None:
                self._payload, self._key = build_payload(self.store), key
            return self._payload


class ExplorerServer(ThreadingHTTPServer):
    """A threading HTTP server for one study's explorer."""

    daemon_threads = True

    def __init__(self, store: StudyStore, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 poll_ms: int = 2000) -> None:
        self.cache = PayloadCache(store)
        self.poll_ms = poll_ms
        self.loopback_only = is_loopback(host)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), ExplorerHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/"

    def start_background(self) -> threading.Thread:
        """Serve from a daemon thread (tests, notebooks); stop with `shutdown()`."""
        thread = threading.Thread(target=self.serve_forever, name="mo-orpo-explorer", daemon=True)
        thread.start()
        return thread


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ExplorerHandler(BaseHTTPRequestHandler):
    """GET/HEAD only; see the module docstring for the routes."""

    server: ExplorerServer
    server_version = "mo-orpo-explorer"

    def _routes(self) -> dict[str, Callable[[dict[str, list[str]]], tuple[int, str, bytes]]]:
        return {"/": self._page, "/index.html": self._page, "/api/data": self._data,
                "/healthz": lambda _: (200, "text/plain; charset=utf-8", b"ok\n")}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def _refuse(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                   b"read-only: only GET and HEAD are served\n", extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815

    def _respond(self, head: bool) -> None:
        if self.server.loopback_only and not self._host_is_loopback():
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8",
                       b"this server answers only requests addressed to a loopback host\n")
            return
        url = urlsplit(self.path)
        route = self._routes().get(url.path)
        if route is None:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")
            return
        try:
            status, content_type, body = route(parse_qs(url.query))
        except Exception as exc:  # the study changed under us, a store read failed, ...
            body = json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()
            status, content_type = HTTPStatus.SERVICE_UNAVAILABLE, "application/json"
        self._send(status, content_type, b"" if head else body, length=len(body))

    def _host_is_loopback(self) -> bool:
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return is_loopback(name)

    def _page(self, _query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        html = render_html(self.server.cache.get(), live=True, poll_ms=self.server.poll_ms)
        return 200, "text/html; charset=utf-8", html.encode("utf-8")

    def _data(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        payload = self.server.cache.get()
        if query.get("since", [None])[0] == payload["version"]:
            payload = {"unchanged": True, "version": payload["version"]}
        return 200, "application/json", to_json(payload).encode("utf-8")

    def _send(self, status: int, content_type: str, body: bytes, length: int | None = None,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": content_type, "Cache-Control": "no-store",
                   "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                   "Referrer-Policy": "no-referrer", **(extra or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if os.environ.get("MO_ORPO_SERVE_LOG"):
            sys.stderr.write(f"{self.address_string()} {format % args}\n")
