"""`mo-orpo study submit SPEC.yaml --address http://HOST:8265 [--follow]`."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "submit", help="run a study as a Ray Job on a running cluster",
        description="Validate SPEC here, then submit `mo-orpo study launch SPEC` as a Ray Job "
                    "to the cluster whose dashboard is at --address. mo-orpo must be installed "
                    "on the cluster (see cluster.yaml); use shared storage (s3://, gs://, NFS).")
    parser.add_argument("spec", metavar="SPEC.yaml", help="study spec file")
    parser.add_argument("--address", required=True,
                        help="the cluster's dashboard, e.g. http://HEAD:8265")
    parser.add_argument("--storage", help="folder or URI for the study (overrides the spec)")
    parser.add_argument("--name", help="study name (overrides the spec)")
    parser.add_argument("--follow", action="store_true",
                        help="stream the job's logs until it ends; exit 1 unless it succeeded")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from study.submit import follow, submit

    job = submit(args.spec, args.address, storage=args.storage, name=args.name)
    print(f"submitted study {job.name!r} as job {job.job_id}")
    print(f"  logs:   ray job logs --follow {job.job_id} --address {job.address}")
    print(f"  status: mo-orpo study status {job.name}"
          + (f" --storage {args.storage}" if args.storage else ""), flush=True)
    if not args.follow:
        return 0
    status = follow(job)
    print(f"job {job.job_id}: {status}")
    return 0 if status == "SUCCEEDED" else 1
