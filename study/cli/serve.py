"""`mo-orpo study serve NAME [--host 127.0.0.1] [--port N]`: the explorer, live and read-only."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from study.cli import add_location_arguments
from study.report.serve import DEFAULT_HOST, DEFAULT_PORT, ExplorerServer, is_loopback
from study.results.store import open_study


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve the study's Pareto explorer, updating live while the study runs",
        description="Serve the same page as `report`; it polls the server and shows new trials "
                    "and points without a reload. Read-only: no endpoint changes the study.")
    add_location_arguments(parser)
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--poll", type=float, default=2.0, metavar="SECONDS",
                        help="how often the page checks for new results (default 2)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_study(args.name, args.storage)
    try:
        server = ExplorerServer(store, args.host, args.port, poll_ms=int(args.poll * 1000))
    except OSError as exc:
        print(f"mo-orpo study serve: cannot listen on {args.host}:{args.port} ({exc}); "
              "pick another --port, or --port 0 for a free one", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(f"warning: listening on {args.host}: anyone who can reach this machine can read "
              "the study's results", file=sys.stderr)
    print(f"serving study {args.name!r} at {server.url} (read-only; Ctrl-C to stop)", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
