"""`mo-orpo study ...`: each subcommand module has `register(subparsers)`.

Importing this package must not import Ray: commands import it when they run, so that
`status`, `report`, `serve` and `export` work on a machine without a cluster.
"""

from __future__ import annotations

import argparse
import importlib

SUBCOMMANDS = (
    "study.cli.launch", "study.cli.resume", "study.cli.status", "study.cli.submit",
    "study.cli.report", "study.cli.serve", "study.cli.export",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("study", help="run and inspect multi-objective studies on Ray")
    group = parser.add_subparsers(dest="study_command", required=True, metavar="SUBCOMMAND")
    for module in SUBCOMMANDS:
        importlib.import_module(module).register(group)


def add_location_arguments(parser: argparse.ArgumentParser) -> None:
    """NAME and --storage, shared by every command that reads a study."""
    parser.add_argument("name", metavar="NAME", help="study name")
    parser.add_argument("--storage", default=None, help=(
        "folder or URI holding studies (default: $MO_ORPO_STORAGE or ~/mo-orpo-studies)"))
