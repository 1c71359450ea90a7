"""Loading one split of a preference dataset from any supported source.

Sources (checked in this order, see `source_kind`):

- ``"synthetic"``: the built-in dataset (`mo_orpo.data.synthetic`), splits `train`/`test`.
- a directory written by `Dataset.save_to_disk` / `DatasetDict.save_to_disk`: a DatasetDict
  offers its splits; a single Dataset is the one split `train`.
- a local `.json`, `.jsonl`, `.parquet` or `.csv` file: the whole file is the one split
  `train` (see `mo_orpo.data.splits` for how the eval split of a single file is chosen).
- anything else is a Hugging Face hub id (`datasets.load_dataset(source, split=split)`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mo_orpo.config.train import SyntheticDataConfig
from mo_orpo.errors import UserError

if TYPE_CHECKING:  # `datasets` is imported when a loader runs: keeps `mo-orpo` start fast
    from datasets import Dataset, DatasetDict

SYNTHETIC = "synthetic"
SINGLE_SPLIT = "train"
FILE_FORMATS: dict[str, str] = {".json": "json", ".jsonl": "json", ".parquet": "parquet",
                                ".csv": "csv"}
"""File extension -> `datasets.load_dataset` builder."""


class DataSourceError(UserError, ValueError):
    """A data source or split cannot be loaded; the message says what is available."""


def looks_like_path(source: str) -> bool:
    """True for strings meant as local paths (hub ids are `name` or `org/name`)."""
    return (source.startswith(("/", "./", "../", "~")) or source.count("/") > 1
            or Path(source).suffix.lower() in FILE_FORMATS)


def source_kind(source: str) -> str:
    """'synthetic', 'directory', 'file' or 'hub'; raises for a local path that is missing."""
    if source == SYNTHETIC:
        return SYNTHETIC
    path = Path(source).expanduser()
    if path.is_dir():
        return "directory"
    if path.is_file():
        return "file"
    if looks_like_path(source):
        raise DataSourceError(f"data source {source!r}: no such file or directory")
    return "hub"


def is_single_split(source: str) -> bool:
    """True when the source holds one split only (a file, or a saved single Dataset)."""
    kind = source_kind(source)
    if kind == "file":
        return True
    return kind == "directory" and not (Path(source).expanduser() / "dataset_dict.json").exists()


def _pick(splits: DatasetDict, split: str, source: str) -> Dataset:
    if split not in splits:
        raise DataSourceError(f"data source {source!r} has no split {split!r}; available "
                              f"splits: {', '.join(sorted(splits))}")
    return splits[split]


def _only_train(split: str, source: str, what: str) -> None:
    if split != SINGLE_SPLIT:
        raise DataSourceError(
            f"data source {source!r} is {what}, which holds one split {SINGLE_SPLIT!r}; got "
            f"split {split!r}. For evaluation, name another file as eval_split, or set "
            "eval_split to null to hold out eval_fraction of this one")


def _load_synthetic(source: str, split: str, synthetic: SyntheticDataConfig | None) -> Dataset:
    from mo_orpo.data.synthetic import synthetic_dataset

    return _pick(synthetic_dataset(synthetic), split, source)


def _load_directory(source: str, split: str, _: SyntheticDataConfig | None) -> Dataset:
    import datasets

    loaded = datasets.load_from_disk(str(Path(source).expanduser()))
    if isinstance(loaded, datasets.DatasetDict):
        return _pick(loaded, split, source)
    _only_train(split, source, "a saved single Dataset")
    return loaded


def _load_file(source: str, split: str, _: SyntheticDataConfig | None) -> Dataset:
    import datasets

    path = Path(source).expanduser()
    builder = FILE_FORMATS.get(path.suffix.lower())
    if builder is None:
        raise DataSourceError(f"data file {source!r}: unknown extension {path.suffix!r}; "
                              f"allowed: {', '.join(FILE_FORMATS)}")
    _only_train(split, source, "a single file")
    try:
        return datasets.load_dataset(builder, data_files=str(path), split="train")
    except Exception as exc:  # any reader failure means the file is not a usable source
        raise DataSourceError(f"data file {source!r}: could not read it as {builder}: "
                              f"{exc}") from exc


def _load_hub(source: str, split: str, _: SyntheticDataConfig | None) -> Dataset:
    import datasets

    try:
        return datasets.load_dataset(source, split=split)
    except ValueError as exc:
        if "split" in str(exc).lower():  # e.g. 'Unknown split "x". Should be one of [...]'
            raise DataSourceError(f"hub dataset {source!r} has no split {split!r}: "
                                  f"{exc}") from exc
        raise


LOADERS: dict[str, Callable[[str, str, SyntheticDataConfig | None], Dataset]] = {
    SYNTHETIC: _load_synthetic,
    "directory": _load_directory,
    "file": _load_file,
    "hub": _load_hub,
}
"""Source kind -> loader(source, split, synthetic config)."""


def load_split(source: str, split: str, synthetic: SyntheticDataConfig | None = None
               ) -> Dataset:
    """One split of `source` as a `datasets.Dataset` (rows not yet validated).

    `synthetic` sizes the built-in dataset (default `SyntheticDataConfig()`).
    """
    return LOADERS[source_kind(source)](source, split, synthetic)
