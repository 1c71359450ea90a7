"""`mo-orpo`: one entry point; each command group registers its own subcommands.

A group is a module with `register(subparsers)` that adds its parsers and sets
`func(args) -> int` on each. The `study` group lives in the `study` package (which holds all
Ray code) and is imported only here, so `mo_orpo` itself never imports Ray.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mo_orpo.errors import UserError

COMMAND_GROUPS = ("mo_orpo.cli.train", "mo_orpo.cli.data", "study.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mo-orpo",
        description="Multi-objective ORPO with self-judgment: train, inspect data, run studies.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_GROUPS:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        words = [args.command, getattr(args, f"{args.command}_command", None)]
        print(f"mo-orpo {' '.join(w for w in words if w)}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mo-orpo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
