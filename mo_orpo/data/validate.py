"""Row validation: every row becomes a `PreferencePair` or a `BadRow` with its reason.

Two row schemas are accepted (column names are the same in both):

- UltraFeedback-binarized: `prompt` a string; `chosen` / `rejected` lists of
  `{"role", "content"}` messages whose last message is the assistant response and whose
  earlier messages are the conversation (equal in both). Optional `score_chosen` /
  `score_rejected`.
- flat: `prompt`, `chosen` and `rejected` strings.

Other scalar columns are kept in `PreferencePair.meta`. Each row is checked in a fixed
order and reported once, under the first problem found. Note that Arrow-backed datasets
store a key missing from some rows of a file as null, so such rows count as `null_field`;
`missing_field` is reported when the column is absent (or a plain dict lacks the key).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mo_orpo.data.types import BadRow, BadRowError, Message, PreferencePair

OnBadRow = Literal["skip", "error"]
ON_BAD_ROW = ("skip", "error")
FIELDS = ("prompt", "chosen", "rejected")
SCALARS = (str, int, float, bool)

BAD_ROW_REASONS: dict[str, str] = {
    "missing_field": "the row has the column ('prompt', 'chosen' and 'rejected' are required)",
    "null_field": "a non-null value",
    "wrong_type": ("'prompt' a string; 'chosen' and 'rejected' both strings or both lists "
                   "of {role, content} messages"),
    "malformed_message": "each message a dict with string 'role' and 'content'",
    "empty_prompt": "a prompt with non-whitespace text",
    "empty_response": "a response with non-whitespace text",
    "no_assistant_turn": "a message list whose final message has role 'assistant'",
    "identical_responses": "chosen and rejected responses that differ",
    "conversation_mismatch": ("chosen and rejected conversations equal before the final "
                              "assistant turn"),
}
"""Reason name -> what a valid row has instead."""


@dataclass
class ValidationResult:
    """Outcome of `validate_rows`: `rows == len(pairs) + len(bad)`."""

    rows: int = 0
    pairs: list[PreferencePair] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    counts_by_reason: dict[str, int] = field(default_factory=dict)


class _Invalid(Exception):
    def __init__(self, field_name: str, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.field_name, self.reason, self.detail = field_name, reason, detail


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _messages(name: str, value: Sequence[Any]) -> list[Message]:
    """Check one side's message list; return it as plain {role, content} dicts."""
    out: list[Message] = []
    for i, msg in enumerate(value):
        if not isinstance(msg, Mapping):
            raise _Invalid(name, "malformed_message",
                           f"message {i} is {type(msg).__name__} {_show(msg)}")
        for key in ("role", "content"):
            if not isinstance(msg.get(key), str):
                got = "missing" if key not in msg else f"{type(msg[key]).__name__} " \
                                                       f"{_show(msg[key])}"
                raise _Invalid(name, "malformed_message", f"message {i} {key!r} is {got}")
        out.append({"role": msg["role"], "content": msg["content"]})
    if not out:
        raise _Invalid(name, "no_assistant_turn", "the message list is empty")
    if out[-1]["role"] != "assistant":
        raise _Invalid(name, "no_assistant_turn",
                       f"final message (index {len(out) - 1}) has role {out[-1]['role']!r}")
    if not out[-1]["content"].strip():
        raise _Invalid(name, "empty_response",
                       f"final assistant message is {_show(out[-1]['content'])}")
    return out


def _check_row(index: int, row: Mapping[str, Any]) -> PreferencePair:
    for name in FIELDS:
        if name not in row:
            raise _Invalid(name, "missing_field", f"columns are {sorted(row)}")
        if row[name] is None:
            raise _Invalid(name, "null_field", "value is null")
    prompt, chosen, rejected = (row[name] for name in FIELDS)
    if not isinstance(prompt, str):
        raise _Invalid("prompt", "wrong_type", f"got {type(prompt).__name__} {_show(prompt)}")
    for name, value in (("chosen", chosen), ("rejected", rejected)):
        if not isinstance(value, (str, list, tuple)):
            raise _Invalid(name, "wrong_type", f"got {type(value).__name__} {_show(value)}")
    if isinstance(chosen, str) != isinstance(rejected, str):
        kinds = {n: "a string" if isinstance(v, str) else "a message list"
                 for n, v in (("chosen", chosen), ("rejected", rejected))}
        raise _Invalid("rejected", "wrong_type",
                       f"chosen is {kinds['chosen']} but rejected is {kinds['rejected']}")
    if not prompt.strip():
        raise _Invalid("prompt", "empty_prompt", f"got {_show(prompt)}")

    if isinstance(chosen, str):
        conversation: tuple[Message, ...] = ()
        for name, value in (("chosen", chosen), ("rejected", rejected)):
            if not value.strip():
                raise _Invalid(name, "empty_response", f"got {_show(value)}")
        chosen_text, rejected_text = chosen, rejected
    else:
        chosen_msgs, rejected_msgs = _messages("chosen", chosen), _messages("rejected", rejected)
        if chosen_msgs[:-1] != rejected_msgs[:-1]:
            raise _Invalid("rejected", "conversation_mismatch",
                           f"chosen has {len(chosen_msgs) - 1} earlier message(s), rejected "
                           f"{len(rejected_msgs) - 1}, and they differ")
        conversation = tuple(chosen_msgs[:-1])
        chosen_text, rejected_text = chosen_msgs[-1]["content"], rejected_msgs[-1]["content"]
    if chosen_text.strip() == rejected_text.strip():
        raise _Invalid("rejected", "identical_responses",
                       f"both responses are {_show(chosen_text.strip())}")

    meta = {k: v for k, v in row.items()
            if k not in FIELDS and (v is None or isinstance(v, SCALARS))}
    return PreferencePair(
        index=index,
        prompt=conversation or ({"role": "user", "content": prompt},),
        chosen=chosen_text, rejected=rejected_text, meta=meta)


def validate_row(index: int, row: Mapping[str, Any]) -> PreferencePair | BadRow:
    """Validate one row: its `PreferencePair`, or the `BadRow` of its first problem."""
    try:
        return _check_row(index, row)
    except _Invalid as bad:
        return BadRow(row=index, field=bad.field_name, reason=bad.reason, detail=bad.detail)


def validate_rows(rows: Iterable[Mapping[str, Any]], on_bad_row: OnBadRow = "skip",
                  indices: Sequence[int] | None = None) -> ValidationResult:
    """Validate every row; skip and count bad rows, or raise `BadRowError` at the first.

    `indices` gives each row's index in the source split (default 0, 1, 2, ...), so that a
    subset of a split (e.g. the train part after holding out an eval fraction) reports the
    rows by their position in the source.
    """
    if on_bad_row not in ON_BAD_ROW:
        raise ValueError(f"on_bad_row: got {on_bad_row!r}; allowed: {', '.join(ON_BAD_ROW)}")
    result = ValidationResult()
    for position, row in enumerate(rows):
        index = indices[position] if indices is not None else position
        outcome = validate_row(index, row)
        result.rows += 1
        if isinstance(outcome, PreferencePair):
            result.pairs.append(outcome)
            continue
        if on_bad_row == "error":
            raise BadRowError(outcome, BAD_ROW_REASONS[outcome.reason])
        result.bad.append(outcome)
        result.counts_by_reason[outcome.reason] = \
            result.counts_by_reason.get(outcome.reason, 0) + 1
    return result
