"""Self-judgment prompt templates (paper Figure 1 and "Self-Judgment Prompt and Biases").

The paper used about 50 variants (5 base prompts x tweaks of the response names and of the
order of the instructions) against prompt leakage and format bias. Here a template is one
combination of

    base phrasing (5) x response labels (4) x answer format (3) x task-first or last (2)

= 120 templates, each with a stable integer id `base*1000 + labels*100 + format*10 + order`
(order 0: the judge's task description before the responses, 1: after). New parts are
appended to their tuple, so existing ids never change.

The fixed text of a template is short (about 100-250 characters: with byte-level tokens
every character is a token). The two labels of a template differ in their first character
and every answer format starts with the label, so the model's choice is its first
completion token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mo_orpo.data.types import Message


@dataclass(frozen=True)
class BasePrompt:
    """A judge phrasing: its task description and its section headers."""

    task: str
    instruction_header: str
    response_header: str  # formatted with name=<the response's label>


@dataclass(frozen=True)
class LabelSet:
    """How the two responses are named: `name.format(k=key)` for key in `keys`."""

    name: str
    keys: tuple[str, str]


@dataclass(frozen=True)
class AnswerFormat:
    """What the judge must answer: `completion.format(k=key)`; `request` tells the format."""

    request: str  # formatted with a=<first key>, b=<second key>
    completion: str


BASES: tuple[BasePrompt, ...] = (
    BasePrompt("Which response follows the instruction better?", "Instruction:", "{name}:"),
    BasePrompt("You are a fair judge. Compare the two responses to the user's request and "
               "decide which is more correct and helpful.", "[User request]", "[{name}]"),
    BasePrompt("Please act as an impartial judge. Pick the response that answers the "
               "question correctly; do not let length or order sway you.", "### Question",
               "### {name}"),
    BasePrompt("Review the task and the two candidate answers, then select the better one.",
               "Task:", "-- {name} --"),
    BasePrompt("Here are two replies to the same prompt. Which one is better? Judge accuracy "
               "first, then helpfulness.", "Prompt:", "{name} says:"),
)

LABELS: tuple[LabelSet, ...] = (
    LabelSet("Response {k}", ("A", "B")),
    LabelSet("Response {k}", ("1", "2")),
    LabelSet("Response {k}", ("X", "Y")),
    LabelSet("Answer ({k})", ("a", "b")),
)

FORMATS: tuple[AnswerFormat, ...] = (
    AnswerFormat('Answer with "{a}" or "{b}" only.', "{k}"),
    AnswerFormat('Reply "{a} is better" or "{b} is better".', "{k} is better"),
    AnswerFormat('Give your verdict as "{a} wins" or "{b} wins".', "{k} wins"),
)


@dataclass(frozen=True)
class SJTemplate:
    """One self-judgment prompt variant."""

    id: int
    base: BasePrompt
    labels: LabelSet
    answer: AnswerFormat
    task_first: bool

    def completion(self, position: int) -> str:
        """The answer naming the response shown at `position` (0: first, 1: second)."""
        return self.answer.completion.format(k=self.labels.keys[position])

    def render(self, instruction: str, first: str, second: str) -> str:
        """The judge prompt with `first` and `second` under the template's two labels."""
        a, b = self.labels.keys
        task = f"{self.base.task} {self.answer.request.format(a=a, b=b)}"
        headers = [self.base.response_header.format(name=self.labels.name.format(k=k))
                   for k in (a, b)]
        body = (f"{self.base.instruction_header}\n{instruction}\n\n"
                f"{headers[0]}\n{first}\n\n{headers[1]}\n{second}")
        return f"{task}\n\n{body}" if self.task_first else f"{body}\n\n{task}"


def _build() -> dict[int, SJTemplate]:
    out = {}
    for b, base in enumerate(BASES):
        for lab, labels in enumerate(LABELS):
            for f, answer in enumerate(FORMATS):
                for order in (0, 1):
                    tid = b * 1000 + lab * 100 + f * 10 + order
                    out[tid] = SJTemplate(tid, base, labels, answer, task_first=order == 0)
    return out


TEMPLATES: dict[int, SJTemplate] = _build()
"""Template id -> template."""

_ROLE_NAMES = {"user": "User", "assistant": "Assistant", "system": "System"}


def render_instruction(messages: Sequence[Message]) -> str:
    """The original instruction as text: a lone user message as is, else one line per turn."""
    if len(messages) == 1 and messages[0]["role"] == "user":
        return messages[0]["content"]
    return "\n".join(f"{_ROLE_NAMES.get(m['role'], m['role'].capitalize())}: {m['content']}"
                     for m in messages)
