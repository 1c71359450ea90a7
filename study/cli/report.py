"""`mo-orpo study report NAME [--storage PATH] [-o FILE]`: the offline Pareto explorer."""

from __future__ import annotations

import argparse

from study.cli import add_location_arguments
from study.cli.export import safe_file_stem
from study.report import write_report
from study.results.store import open_study


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="write the study's interactive Pareto explorer as one offline HTML file",
        description="Write one self-contained HTML file (plotly.js embedded, nothing fetched): "
                    "the Pareto front with axis choice, a clicked trial's curves, parallel "
                    "coordinates, the paper's Figure 3 and Tables 1-2, and study progress.")
    add_location_arguments(parser)
    parser.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="HTML file to write (default: NAME-report.html here)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_study(args.name, args.storage)
    path = write_report(store, args.output or f"{safe_file_stem(args.name)}-report.html")
    print(f"wrote {path}")
    return 0
