"""The records the data pipeline produces and the training loop consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mo_orpo.errors import UserError

Message = dict[str, str]
"""One chat message: {"role": ..., "content": ...}."""


@dataclass(frozen=True)
class PreferencePair:
    """One validated preference pair (the alignment task's example)."""

    index: int
    """Row index in the source split (0-based), stable under filtering."""
    prompt: tuple[Message, ...]
    """The conversation before the final assistant turn (flat rows: one user message)."""
    chosen: str
    """The better final assistant response."""
    rejected: str
    """The worse final assistant response."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Other scalar columns of the row (score_chosen, task, verbose_trap, ...); may be empty."""


@dataclass(frozen=True)
class SelfJudgmentExample:
    """A pair rewritten as a binary choice (the self-judgment task's example, paper Figure 1)."""

    index: int
    """The index of the pair it was made from."""
    prompt: tuple[Message, ...]
    """One user message: the judge prompt showing the instruction and both responses."""
    chosen: str
    """The label of the better response, in the template's answer format."""
    rejected: str
    """The label of the worse response, in the same format."""
    template_id: int
    """Id of the template in `mo_orpo.data.templates.TEMPLATES`."""
    rejected_first: bool
    """True when the worse response is shown first."""


@dataclass(frozen=True)
class BadRow:
    """A row that failed validation: where, why (a key of `BAD_ROW_REASONS`) and what was seen."""

    row: int
    field: str
    reason: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason,
                "detail": self.detail}


class BadRowError(UserError, ValueError):
    """Raised in `on_bad_row="error"` mode at the first invalid row."""

    def __init__(self, bad: BadRow, expected: str) -> None:
        self.bad = bad
        super().__init__(
            f"row {bad.row}, field {bad.field!r}: {bad.reason} ({bad.detail}); "
            f"expected {expected}. Use on_bad_row='skip' to drop such rows and count them.")
