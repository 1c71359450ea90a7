"""`mo-orpo study launch [SPEC.yaml | --preset NAME] [--storage PATH] [--name NAME]
[--address ADDR] [--dry-run]`."""

from __future__ import annotations

import argparse

from study.plan import format_plan


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "launch", help="run a study (a spec file or a packaged preset)",
        description="Validate a study spec, then run its trials on Ray: a local Ray instance, "
                    "or the cluster at --address. Every problem in the spec is reported "
                    "before Ray starts.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("spec", nargs="?", metavar="SPEC.yaml", help="study spec file")
    source.add_argument("--preset", help="a packaged spec: tiny (embedded default), "
                        "paper-mistral-7b")
    parser.add_argument("--storage", help="folder or URI for the study (overrides the spec)")
    parser.add_argument("--name", help="study name (overrides the spec)")
    parser.add_argument("--address", help="Ray cluster to use, e.g. ray://host:10001 or "
                        "auto (default: start a local Ray)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the trial plan and exit without training")
    parser.add_argument("--verbose", action="store_true",
                        help="also show Ray's and the workers' own logs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from study.spec import load_spec

    study = load_spec(args.spec, preset=args.preset,
                      overrides={"name": args.name, "storage": args.storage})
    if args.dry_run:
        print(format_plan(study))
        return 0
    from study.launch import launch
    from study.status import outcome_line

    store = launch(study, address=args.address, verbose=args.verbose)
    print(outcome_line(store))
    return 0
