"""`mo-orpo study resume NAME [--storage PATH] [--retry-errored] [--address ADDR]`."""

from __future__ import annotations

import argparse

from study.cli import add_location_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "resume", help="continue an interrupted study from its checkpoints",
        description="Continue a study: finished trials stay finished, unfinished trials "
                    "continue from their own latest checkpoint, errored trials are retried "
                    "only with --retry-errored. Safe to run on a finished study, or twice.")
    add_location_arguments(parser)
    parser.add_argument("--retry-errored", action="store_true",
                        help="also retry errored trials (from their latest checkpoint)")
    parser.add_argument("--address", help="Ray cluster to use (default: a local Ray)")
    parser.add_argument("--verbose", action="store_true", help="show Ray's own logs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from study.launch import resume
    from study.results.store import open_study

    open_study(args.name, args.storage)  # a clear error if there is no such study
    message, _ = resume(args.name, args.storage, retry_errored=args.retry_errored,
                        address=args.address, verbose=args.verbose)
    print(message)
    return 0
