"""From a `DataConfig` to aligned alignment and self-judgment lists for training.

    load (splits.py) -> validate (validate.py) -> SJ transform (self_judgment.py)
    -> length filter (length_filter.py) -> cap (max_train_pairs / max_eval_pairs)

In each split, `pairs[i]` and `sj[i]` come from the same source row (`.index` equal).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mo_orpo.config.train import DataConfig
from mo_orpo.data.length_filter import TokenCounter, filter_by_length
from mo_orpo.data.self_judgment import (
    DEFAULT_REJECTED_FIRST_RATE,
    sj_stats,
    to_self_judgment,
)
from mo_orpo.data.splits import load_train_eval
from mo_orpo.data.stats import DataStats, SplitStats
from mo_orpo.data.types import PreferencePair, SelfJudgmentExample
from mo_orpo.data.validate import OnBadRow, validate_rows

if TYPE_CHECKING:
    from datasets import Dataset

logger = logging.getLogger(__name__)


@dataclass
class PreparedSplit:
    """One split ready for training: `pairs[i]` and `sj[i]` share their source row."""

    pairs: list[PreferencePair]
    sj: list[SelfJudgmentExample]
    stats: SplitStats


@dataclass
class PreparedData:
    """What `prepare_data` returns: aligned lists per split, and the stats of both."""

    train: list[PreferencePair]
    train_sj: list[SelfJudgmentExample]
    eval: list[PreferencePair]
    eval_sj: list[SelfJudgmentExample]
    stats: DataStats


def cap_indices(n: int, limit: int | None, seed: int) -> list[int]:
    """Positions of a seeded random subset of at most `limit` of `n` items, in order."""
    if limit is None or n <= limit:
        return list(range(n))
    return sorted(random.Random(f"mo-orpo-cap:{seed}").sample(range(n), limit))


def prepare_split(rows: Dataset | Sequence[Mapping[str, Any]], counter: TokenCounter, *,
                  name: str = "", indices: Sequence[int] | None = None,
                  on_bad_row: OnBadRow = "skip", max_pair_tokens: int = 5500,
                  max_sj_tokens: int = 6000,
                  rejected_first_rate: float = DEFAULT_REJECTED_FIRST_RATE,
                  sj_seed: int = 0, max_pairs: int | None = None,
                  cap_seed: int = 0) -> PreparedSplit:
    """Validate, transform to SJ, length-filter and cap one split's rows."""
    checked = validate_rows(rows, on_bad_row, indices)
    sj = to_self_judgment(checked.pairs, sj_seed, rejected_first_rate)
    fitted = filter_by_length(checked.pairs, sj, counter, max_pair_tokens, max_sj_tokens)
    keep = cap_indices(len(fitted.pairs), max_pairs, cap_seed)
    pairs = [fitted.pairs[i] for i in keep]
    sj_kept = [fitted.sj[i] for i in keep]
    stats = SplitStats(
        name=name, rows=checked.rows, valid=len(checked.pairs), bad=checked.bad,
        counts_by_reason=checked.counts_by_reason, filtered_too_long=fitted.filtered,
        filtered_by_reason=dict(fitted.counts), capped=len(fitted.pairs) - len(keep),
        kept=len(pairs), sj=sj_stats(sj_kept))
    return PreparedSplit(pairs, sj_kept, stats)


def prepare_data(config: DataConfig, counter: TokenCounter) -> PreparedData:
    """Load, validate, transform, filter and cap the train and eval splits of `config`.

    `counter` counts model tokens (`mo_orpo.model.tokenizer.ChatFormatter`). The data seed
    `config.seed` draws the SJ templates and orders, the held-out eval rows of a single-split
    source, and the subsets kept by the caps.
    Raises `BadRowError` with `on_bad_row="error"`, `DataSourceError` for a bad source.
    """
    data_seed = config.seed
    train_rows, eval_rows = load_train_eval(config, data_seed)
    common = dict(on_bad_row=config.on_bad_row, max_pair_tokens=config.max_pair_tokens,
                  max_sj_tokens=config.max_sj_tokens,
                  rejected_first_rate=config.rejected_first_rate, sj_seed=data_seed,
                  cap_seed=data_seed)
    train = prepare_split(train_rows.rows, counter, name=train_rows.name,
                          indices=train_rows.indices, max_pairs=config.max_train_pairs,
                          **common)
    held = prepare_split(eval_rows.rows, counter, name=eval_rows.name,
                         indices=eval_rows.indices, max_pairs=config.max_eval_pairs, **common)
    stats = DataStats(train=train.stats, eval=held.stats)
    logger.info("data: %s", stats.summary())
    return PreparedData(train=train.pairs, train_sj=train.sj, eval=held.pairs,
                        eval_sj=held.sj, stats=stats)
