"""Which rows form the train and eval splits of a `DataConfig`.

- `train_split` is loaded from `source` (`load_split`).
- `eval_split` null: `eval_fraction` of the train split is held out (at least one row when
  the split has two or more), chosen deterministically from the seed; the train split keeps
  the other rows.
- `eval_split` a path to an existing file or saved single Dataset (or anything that looks
  like a local path, so a typo fails loudly): that whole file is the eval split.
- `source` a single file (or a saved single Dataset) and `eval_split` a split name such as
  the default `test`: a single file has no other split, so `eval_fraction` of it is held
  out as above (logged).
- otherwise `eval_split` is loaded from `source` like the train split.

Rows keep their index in the split they came from (`SplitRows.indices`), so a row of a
held-out file is always reported by its position in that file.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mo_orpo.config.train import DataConfig
from mo_orpo.data.load import (
    DataSourceError,
    is_single_split,
    load_split,
    looks_like_path,
    source_kind,
)

if TYPE_CHECKING:
    from datasets import Dataset

logger = logging.getLogger(__name__)


@dataclass
class SplitRows:
    """Raw rows of one split and each row's index in its source split."""

    name: str
    """Where the rows come from, for logs: e.g. `synthetic:train` or `data.jsonl (held out)`."""
    rows: Dataset | Sequence[Mapping[str, Any]]
    indices: list[int]


def holdout_indices(n: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(train indices, eval indices), both sorted: a seeded random `fraction` is held out."""
    n_eval = min(n - 1, max(1, round(n * fraction))) if n >= 2 else 0
    order = list(range(n))
    random.Random(f"mo-orpo-holdout:{seed}").shuffle(order)
    return sorted(order[n_eval:]), sorted(order[:n_eval])


def _whole(name: str, rows: Dataset) -> SplitRows:
    return SplitRows(name, rows, list(range(len(rows))))


def _is_path(split: str) -> bool:
    return looks_like_path(split) or Path(split).expanduser().exists()


def load_train_eval(config: DataConfig, seed: int) -> tuple[SplitRows, SplitRows]:
    """The train and eval rows of `config` (see the module docstring for the rules)."""
    source = config.source
    train = load_split(source, config.train_split, config.synthetic)
    eval_split = config.eval_split
    if eval_split is not None and _is_path(eval_split):
        source_kind(eval_split)  # raises a clear error for a missing path
        if not is_single_split(eval_split):
            raise DataSourceError(
                f"eval_split {eval_split!r} is a saved DatasetDict; name a single file or a "
                "saved single Dataset, or make it the source and name its split")
        return (_whole(f"{source}:{config.train_split}", train),
                _whole(eval_split, load_split(eval_split, "train")))
    if eval_split is not None and not is_single_split(source):
        return (_whole(f"{source}:{config.train_split}", train),
                _whole(f"{source}:{eval_split}", load_split(source, eval_split,
                                                            config.synthetic)))
    if eval_split is not None:
        logger.info("data source %s holds a single split; holding out eval_fraction=%s of "
                    "it for evaluation instead of split %r", source, config.eval_fraction,
                    eval_split)
    train_idx, eval_idx = holdout_indices(len(train), config.eval_fraction, seed)
    return (SplitRows(f"{source}:{config.train_split}", train.select(train_idx), train_idx),
            SplitRows(f"{source}:{config.train_split} (held out)", train.select(eval_idx),
                      eval_idx))
