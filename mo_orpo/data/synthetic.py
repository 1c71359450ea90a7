"""The built-in synthetic preference dataset: deterministic from a seed, no download.

Rows follow the UltraFeedback-binarized schema (`prompt`, `prompt_id`, `chosen`/`rejected`
message lists, `score_chosen`/`score_rejected`) plus `task` and `verbose_trap`. Each prompt
is a simple string/list/arithmetic task whose better response is objectively right and
whose worse response is objectively wrong (one character or element changed, an element
swapped, an off-by-one count or number). Answers can mostly be produced by copying or
transforming characters visible in the prompt (reverse, uppercase, sort, repeat, pick a
letter), so a tiny byte-level model can learn them in a minute; arithmetic is a minority.

Verbosity trap: in about 30% of pairs the worse response is a long, padded, friendly-looking
sentence around the wrong answer ("Sure! Here is the answer you asked for: ..."), flagged
`verbose_trap=True`, to measure whether a model prefers longer answers.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Callable
from typing import TYPE_CHECKING

from mo_orpo.config.train import SyntheticDataConfig

if TYPE_CHECKING:
    from datasets import DatasetDict

TRAPS = (
    "Sure! Here is the answer you asked for: {x}. I hope this helps!",
    "Great question! After careful thought, the answer is {x}. Let me know if you need more!",
    "Of course! I worked it out step by step and the result is: {x}. Happy to help!",
)
Generator = Callable[[random.Random], tuple[str, str, str]]
"""rng -> (prompt, right answer, wrong answer)."""


def _word(rng: random.Random, lo: int = 3, hi: int = 6) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(lo, hi)))


def _change_one(rng: random.Random, text: str, alphabet: str) -> str:
    """`text` with one character replaced by a different one from `alphabet`."""
    i = rng.randrange(len(text))
    return text[:i] + rng.choice([c for c in alphabet if c != text[i]]) + text[i + 1:]


def _swap_adjacent(rng: random.Random, items: list[str]) -> list[str] | None:
    spots = [i for i in range(len(items) - 1) if items[i] != items[i + 1]]
    if not spots:
        return None
    i = rng.choice(spots)
    return items[:i] + [items[i + 1], items[i]] + items[i + 2:]


def _reverse(rng: random.Random) -> tuple[str, str, str]:
    w = _word(rng)
    right = w[::-1]
    options = [_change_one(rng, right, string.ascii_lowercase)]
    swapped = _swap_adjacent(rng, list(right))
    options += [w] * (w != right) + ["".join(swapped)] * (swapped is not None)
    phrasing = rng.choice(("Reverse the string: {w}", "Write {w} backwards.", "Reverse '{w}'."))
    return phrasing.format(w=w), right, rng.choice(options)


def _uppercase(rng: random.Random) -> tuple[str, str, str]:
    w = _word(rng)
    right = w.upper()
    i = rng.randrange(len(w))
    options = [right[:i] + w[i] + right[i + 1:], _change_one(rng, right, string.ascii_uppercase)]
    phrasing = rng.choice(("Uppercase: {w}", "Write {w} in capital letters.",
                           "Convert '{w}' to upper case."))
    return phrasing.format(w=w), right, rng.choice(options)


def _sort_digits(rng: random.Random) -> tuple[str, str, str]:
    digits = [str(rng.randint(0, 9)) for _ in range(rng.randint(3, 5))]
    right = sorted(digits)
    options = [_change_one(rng, "".join(right), string.digits)]
    swapped = _swap_adjacent(rng, right)
    if swapped is not None:
        options.append("".join(swapped))
    phrasing = rng.choice(("Sort the digits: {d}", "Sort ascending: {d}", "Put in order: {d}"))
    return phrasing.format(d=" ".join(digits)), " ".join(right), " ".join(rng.choice(options))


def _repeat(rng: random.Random) -> tuple[str, str, str]:
    w, n = _word(rng, 2, 3), rng.randint(2, 4)
    wrong_n = n + rng.choice((-1, 1))
    phrasing = rng.choice(("Repeat {w} {n} times.", "Write '{w}' {n} times.", "Say {w} {n} times."))
    return phrasing.format(w=w, n=n), " ".join([w] * n), " ".join([w] * wrong_n)


def _letter(position: int, name: str) -> Generator:
    def generate(rng: random.Random) -> tuple[str, str, str]:
        w = _word(rng)
        right = w[position]
        others = [c for c in w if c != right] or [c for c in string.ascii_lowercase if c != right]
        phrasing = rng.choice((name.capitalize() + " letter of {w}?",
                               "What is the " + name + " letter of '{w}'?"))
        return phrasing.format(w=w), right, rng.choice(others)
    return generate


def _add(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    phrasing = rng.choice(("What is {a} + {b}?", "Add {a} and {b}.", "{a} + {b} = ?"))
    return phrasing.format(a=a, b=b), str(a + b), str(a + b + rng.choice((-1, 1)))


TASKS: dict[str, tuple[float, Generator]] = {
    "reverse": (0.20, _reverse),
    "uppercase": (0.16, _uppercase),
    "sort_digits": (0.16, _sort_digits),
    "repeat": (0.16, _repeat),
    "first_letter": (0.11, _letter(0, "first")),
    "last_letter": (0.11, _letter(-1, "last")),
    "add": (0.10, _add),
}
"""Task name -> (share of the pairs, generator)."""


def _row(rng: random.Random, avoid: set[str], trap_rate: float) -> dict:
    names = list(TASKS)
    weights = [TASKS[n][0] for n in names]
    for _ in range(100):  # prefer prompts not seen in `avoid` (keeps test disjoint from train)
        task = rng.choices(names, weights)[0]
        prompt, right, wrong = TASKS[task][1](rng)
        if prompt not in avoid:
            break
    trap = rng.random() < trap_rate
    if trap:
        wrong = rng.choice(TRAPS).format(x=wrong)
    user = {"role": "user", "content": prompt}
    return {
        "prompt": prompt,
        "prompt_id": hashlib.sha256(prompt.encode()).hexdigest(),
        "chosen": [user, {"role": "assistant", "content": right}],
        "rejected": [user, {"role": "assistant", "content": wrong}],
        "score_chosen": 10.0,
        "score_rejected": 2.0,
        "task": task,
        "verbose_trap": trap,
    }


def synthetic_rows(train_pairs: int = 1200, test_pairs: int = 200, seed: int = 0,
                   verbose_trap_rate: float = 0.3) -> dict[str, list[dict]]:
    """{"train": rows, "test": rows}; test prompts avoid train prompts where possible."""
    rng = random.Random(f"mo-orpo-synthetic:{seed}")
    train = [_row(rng, set(), verbose_trap_rate) for _ in range(train_pairs)]
    seen = {r["prompt"] for r in train}
    return {"train": train, "test": [_row(rng, seen, verbose_trap_rate) for _ in range(test_pairs)]}


def synthetic_dataset(config: SyntheticDataConfig | None = None) -> DatasetDict:
    """The built-in dataset as a `DatasetDict` with `train` and `test` splits."""
    from datasets import Dataset, DatasetDict

    config = config or SyntheticDataConfig()
    rows = synthetic_rows(config.train_pairs, config.test_pairs, config.seed,
                          config.verbose_trap_rate)
    return DatasetDict({name: Dataset.from_list(split) for name, split in rows.items()})
