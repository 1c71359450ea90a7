"""`mo-orpo study status NAME [--storage PATH] [--json]`."""

from __future__ import annotations

import argparse
import json

from study.cli import add_location_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status", help="one row per trial: state, epochs, objectives, errors",
        description="Show every trial of a study from its results store: works while the "
                    "study runs, after it ended, and without a Ray cluster.")
    add_location_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from study.results.store import open_study
    from study.status import format_status, status_rows

    store = open_study(args.name, args.storage)
    if args.json:
        meta = store.read_study()
        print(json.dumps({"name": meta["name"], "study_dir": store.study_dir,
                          "driver_running": store.driver_alive(),
                          "objectives": meta["objectives"], "trials": status_rows(store)},
                         indent=2, default=str))
    else:
        print(format_status(store))
    return 0
