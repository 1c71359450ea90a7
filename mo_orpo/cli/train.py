"""`mo-orpo train` (being written)."""


def register(subparsers):
    subparsers.add_parser("train", help="(being written)")
