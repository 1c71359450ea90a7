"""Where studies live: `{storage}/{name}`, storage being a local folder or a pyarrow URI."""

from __future__ import annotations

import os

STORAGE_ENV = "MO_ORPO_STORAGE"
DEFAULT_STORAGE = "~/mo-orpo-studies"


def default_storage() -> str:
    """`$MO_ORPO_STORAGE`, else ~/mo-orpo-studies (expanded, absolute)."""
    return resolve_storage(os.environ.get(STORAGE_ENV) or DEFAULT_STORAGE)


def resolve_storage(storage: str | None) -> str:
    """Expand and absolutize local paths; leave URIs (s3://, gs://, ...) as they are."""
    if not storage:
        return default_storage()
    if "://" in storage:
        return storage.rstrip("/")
    return os.path.abspath(os.path.expanduser(storage))


def study_dir(name: str, storage: str | None = None) -> str:
    """The directory of study `name` under `storage` (default: see `default_storage`)."""
    return f"{resolve_storage(storage)}/{name}"
