"""The self-judgment (SJ) transform: each preference pair becomes one binary choice.

Paper Figure 1: the judge prompt shows the original instruction and both responses under
two labels; the chosen completion is the label of the better response, the rejected one the
label of the worse. The template and the order of the responses are drawn per pair from
(seed, pair.index) alone, so a pair's SJ example does not change when other pairs are
filtered out; the worse response is shown first with probability `rejected_first_rate`
(paper: 55%, against the position bias of judges that favour the first response).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from mo_orpo.data.templates import TEMPLATES, SJTemplate, render_instruction
from mo_orpo.data.types import PreferencePair, SelfJudgmentExample

DEFAULT_REJECTED_FIRST_RATE = 0.55
_TEMPLATE_IDS = tuple(sorted(TEMPLATES))


def draw(seed: int, index: int, rejected_first_rate: float = DEFAULT_REJECTED_FIRST_RATE
         ) -> tuple[SJTemplate, bool]:
    """The template and whether the worse response comes first, for pair `index`.

    A string seed makes `random.Random` hash it with SHA-512: stable across processes and
    Python versions (unlike `hash()`).
    """
    rng = random.Random(f"mo-orpo-sj:{seed}:{index}")
    template = TEMPLATES[_TEMPLATE_IDS[rng.randrange(len(_TEMPLATE_IDS))]]
    return template, rng.random() < rejected_first_rate


def to_self_judgment_example(pair: PreferencePair, seed: int,
                             rejected_first_rate: float = DEFAULT_REJECTED_FIRST_RATE
                             ) -> SelfJudgmentExample:
    """The SJ example of one pair."""
    template, rejected_first = draw(seed, pair.index, rejected_first_rate)
    first, second = (pair.rejected, pair.chosen) if rejected_first else \
        (pair.chosen, pair.rejected)
    text = template.render(render_instruction(pair.prompt), first, second)
    better, worse = (1, 0) if rejected_first else (0, 1)
    return SelfJudgmentExample(
        index=pair.index, prompt=({"role": "user", "content": text},),
        chosen=template.completion(better), rejected=template.completion(worse),
        template_id=template.id, rejected_first=rejected_first)


def to_self_judgment(pairs: Iterable[PreferencePair], seed: int,
                     rejected_first_rate: float = DEFAULT_REJECTED_FIRST_RATE
                     ) -> list[SelfJudgmentExample]:
    """The SJ example of each pair, in the same order."""
    if not 0.0 <= rejected_first_rate <= 1.0:
        raise ValueError(f"rejected_first_rate: got {rejected_first_rate}; allowed: [0, 1]")
    return [to_self_judgment_example(p, seed, rejected_first_rate) for p in pairs]


def sj_stats(examples: Iterable[SelfJudgmentExample]) -> dict[str, Any]:
    """{templates_used, rejected_first_rate} of a list of SJ examples (rate None if empty)."""
    examples = list(examples)
    used = {e.template_id for e in examples}
    rate = sum(e.rejected_first for e in examples) / len(examples) if examples else None
    return {"templates_used": len(used), "rejected_first_rate": rate}

