"""`mo-orpo study export NAME --format csv|parquet|json [-o FILE]`: one row per trial."""

from __future__ import annotations

import argparse
import re
import sys

from study.cli import add_location_arguments
from study.results.export import EXPORT_FORMATS, export_table, write_export
from study.results.store import open_study


def safe_file_stem(name: str) -> str:
    """A study name usable as a file name in the current folder."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "study"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write one row per trial (config, state, objectives, Pareto flags)",
        description="Write one row per trial: its config (config/...), state, objective and "
                    "metric values, `non_dominated` and `pareto_rank` over the study's "
                    "objectives. Reads the results store only: works while the study runs.")
    add_location_arguments(parser)
    parser.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS),
                        help="file format")
    parser.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="where to write (default: NAME-trials.FORMAT here; - for stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_study(args.name, args.storage)
    table = export_table(store)
    output = args.output or f"{safe_file_stem(args.name)}-trials.{args.format}"
    where = write_export(table, args.format, output)
    print(f"wrote {len(table)} trials to {where}", file=sys.stderr)
    return 0
