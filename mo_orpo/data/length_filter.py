"""The paper's length filter, applied to the alignment and SJ lists together.

A pair is kept only if

    prompt tokens + chosen tokens + rejected tokens <= max_pair_tokens   (paper: ~5,500)
    SJ prompt tokens                                <= max_sj_tokens     (paper: 6,000)

Both lists are filtered together so they stay aligned pair for pair (strategies pair each
alignment example with the SJ example of the same pair). A dropped pair is counted once,
under the first limit it exceeds (`pair_too_long` is checked first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from mo_orpo.data.types import Message, PreferencePair, SelfJudgmentExample

TOO_LONG_REASONS: dict[str, str] = {
    "pair_too_long": "prompt + chosen + rejected tokens exceed max_pair_tokens",
    "sj_too_long": "self-judgment prompt tokens exceed max_sj_tokens",
}


class TokenCounter(Protocol):
    """Counts tokens as training sees them (`mo_orpo.model.tokenizer.ChatFormatter`)."""

    def prompt_tokens(self, messages: Sequence[Message]) -> int: ...

    def text_tokens(self, text: str) -> int: ...


@dataclass
class LengthFilterResult:
    """The kept pairs and their SJ examples (aligned), and the drop count per reason."""

    pairs: list[PreferencePair] = field(default_factory=list)
    sj: list[SelfJudgmentExample] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOO_LONG_REASONS, 0))

    @property
    def filtered(self) -> int:
        return sum(self.counts.values())


def pair_tokens(pair: PreferencePair, counter: TokenCounter) -> int:
    """Prompt + chosen + rejected tokens of an alignment pair."""
    return (counter.prompt_tokens(pair.prompt) + counter.text_tokens(pair.chosen)
            + counter.text_tokens(pair.rejected))


def filter_by_length(pairs: Sequence[PreferencePair], sj: Sequence[SelfJudgmentExample],
                     counter: TokenCounter, max_pair_tokens: int = 5500,
                     max_sj_tokens: int = 6000) -> LengthFilterResult:
    """Keep the pairs (and their SJ examples) within both token limits."""
    if len(pairs) != len(sj):
        raise ValueError(f"pairs and sj must be aligned: got {len(pairs)} pairs and "
                         f"{len(sj)} SJ examples")
    result = LengthFilterResult()
    for pair, example in zip(pairs, sj, strict=True):
        if pair.index != example.index:
            raise ValueError(f"pairs and sj must be aligned: pair {pair.index} is next to the "
                             f"SJ example of pair {example.index}")
        if pair_tokens(pair, counter) > max_pair_tokens:
            result.counts["pair_too_long"] += 1
        elif counter.prompt_tokens(example.prompt) > max_sj_tokens:
            result.counts["sj_too_long"] += 1
        else:
            result.pairs.append(pair)
            result.sj.append(example)
    return result
