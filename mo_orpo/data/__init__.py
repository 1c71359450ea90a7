"""Preference data: loading, validation, self-judgment transform, length filter, synthetic set.

The training loop calls `prepare_data(config.data, ChatFormatter(tokenizer))` and gets
aligned alignment / self-judgment lists per split plus `DataStats`.
"""

from mo_orpo.data.length_filter import (
    TOO_LONG_REASONS,
    LengthFilterResult,
    TokenCounter,
    filter_by_length,
    pair_tokens,
)
from mo_orpo.data.load import FILE_FORMATS, DataSourceError, load_split, source_kind
from mo_orpo.data.pipeline import (
    PreparedData,
    PreparedSplit,
    cap_indices,
    prepare_data,
    prepare_split,
)
from mo_orpo.data.self_judgment import (
    DEFAULT_REJECTED_FIRST_RATE,
    sj_stats,
    to_self_judgment,
    to_self_judgment_example,
)
from mo_orpo.data.splits import SplitRows, holdout_indices, load_train_eval
from mo_orpo.data.stats import DataStats, SplitStats
from mo_orpo.data.synthetic import TASKS, synthetic_dataset, synthetic_rows
from mo_orpo.data.templates import TEMPLATES, SJTemplate, render_instruction
from mo_orpo.data.types import (
    BadRow,
    BadRowError,
    Message,
    PreferencePair,
    SelfJudgmentExample,
)
from mo_orpo.data.validate import BAD_ROW_REASONS, ValidationResult, validate_row, validate_rows

__all__ = [
    "BAD_ROW_REASONS", "DEFAULT_REJECTED_FIRST_RATE", "FILE_FORMATS", "TASKS", "TEMPLATES",
    "TOO_LONG_REASONS", "BadRow", "BadRowError", "DataSourceError", "DataStats",
    "LengthFilterResult", "Message", "PreferencePair", "PreparedData", "PreparedSplit",
    "SJTemplate", "SelfJudgmentExample", "SplitRows", "SplitStats", "TokenCounter",
    "ValidationResult", "cap_indices", "filter_by_length", "holdout_indices", "load_split",
    "load_train_eval", "pair_tokens", "prepare_data", "prepare_split", "render_instruction",
    "sj_stats", "source_kind", "synthetic_dataset", "synthetic_rows", "to_self_judgment",
    "to_self_judgment_example", "validate_row", "validate_rows",
]
