"""The built-in synthetic preference dataset: deterministic from a seed, no download.

Rows follow the UltraFeedback-binarized schema (`prompt`, `prompt_id`, `chosen`/`rejected`
message lists, `score_chosen`/`score_rejected`) plus `task` and `verbose_trap`. The better
response is objectively right, the worse objectively wrong. Most pairs ask for facts that a
tiny model learns within a minute or two because they recur (opposites, capitals, number
words, next letter, single-digit sums); the wrong answer is another fact of the same kind or
an off-by-one. The rest are string tasks that need copying or transforming the input
(reverse, uppercase, sort, repeat, first/last letter), harder for a small model, with one
character or element changed (mostly to one absent from the prompt), swapped, or left
unreversed. Train and test are independent draws from the same distribution, as in real
preference data: a fact can be asked in both, each time with its own wrong answer.

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


def _change_one(rng: random.Random, text: str, alphabet: str, avoid: str = "") -> str:
    """`text` with one character replaced by a different one from `alphabet`, preferably one
    that is not in `avoid` (the task's input): such slips are visible from the prompt alone."""
    i = rng.randrange(len(text))
    fresh = [c for c in alphabet if c != text[i] and c not in avoid]
    pool = fresh or [c for c in alphabet if c != text[i]]
    return text[:i] + rng.choice(pool) + text[i + 1:]


def _pick(rng: random.Random, weighted: list[tuple[float, str | None]]) -> str:
    """One of the corruptions that exist (not None), by weight."""
    options = [(w, x) for w, x in weighted if x is not None]
    return rng.choices([x for _, x in options], [w for w, _ in options])[0]


def _swap_adjacent(rng: random.Random, items: list[str]) -> list[str] | None:
    spots = [i for i in range(len(items) - 1) if items[i] != items[i + 1]]
    if not spots:
        return None
    i = rng.choice(spots)
    return items[:i] + [items[i + 1], items[i]] + items[i + 2:]


def _reverse(rng: random.Random) -> tuple[str, str, str]:
    w = _word(rng)
    right = w[::-1]
    swapped = _swap_adjacent(rng, list(right))
    wrong = _pick(rng, [(0.6, _change_one(rng, right, string.ascii_lowercase, avoid=w)),
                        (0.2, "".join(swapped) if swapped else None),
                        (0.2, w if w != right else None)])
    phrasing = rng.choice(("Reverse the string: {w}", "Write {w} backwards.", "Reverse '{w}'."))
    return phrasing.format(w=w), right, wrong


def _uppercase(rng: random.Random) -> tuple[str, str, str]:
    w = _word(rng)
    right = w.upper()
    i = rng.randrange(len(w))
    wrong = _pick(rng, [(0.5, right[:i] + w[i] + right[i + 1:]),
                        (0.5, _change_one(rng, right, string.ascii_uppercase, avoid=right))])
    phrasing = rng.choice(("Uppercase: {w}", "Write {w} in capital letters.",
                           "Convert '{w}' to upper case."))
    return phrasing.format(w=w), right, wrong


def _sort_digits(rng: random.Random) -> tuple[str, str, str]:
    digits = [str(rng.randint(0, 9)) for _ in range(rng.randint(3, 5))]
    right = sorted(digits)
    swapped = _swap_adjacent(rng, right)
    wrong = _pick(rng, [(0.6, _change_one(rng, "".join(right), string.digits, avoid="".join(digits))),
                        (0.4, "".join(swapped) if swapped else None)])
    phrasing = rng.choice(("Sort the digits: {d}", "Sort ascending: {d}", "Put in order: {d}"))
    return phrasing.format(d=" ".join(digits)), " ".join(right), " ".join(wrong)


def _repeat(rng: random.Random) -> tuple[str, str, str]:
    w, n = _word(rng, 2, 3), rng.randint(2, 4)
    wrong_n = n + rng.choice((-1, 1))
    phrasing = rng.choice(("Repeat {w} {n} times.", "Write '{w}' {n} times.", "Say {w} {n} times."))
    return phrasing.format(w=w, n=n), " ".join([w] * n), " ".join([w] * wrong_n)


def _letter(position: int, name: str) -> Generator:
    def generate(rng: random.Random) -> tuple[str, str, str]:
        w = _word(rng)
        right = w[position]
        in_word = [c for c in w if c != right]
        absent = [c for c in string.ascii_lowercase if c not in w]
        wrong = rng.choice(in_word if in_word and rng.random() < 0.3 else absent)
        phrasing = rng.choice((name.capitalize() + " letter of {w}?",
                               "What is the " + name + " letter of '{w}'?"))
        return phrasing.format(w=w), right, wrong
    return generate


def _add(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    phrasing = _phrasing(rng, ("What is {a} + {b}?", "Sum of {a} + {b}?",
                                     "Compute {a} + {b}?"))
    return phrasing.format(a=a, b=b), str(a + b), str(a + b + rng.choice((-1, 1)))


OPPOSITES = dict(pair for a, b in (
    ("hot", "cold"), ("big", "small"), ("up", "down"), ("day", "night"), ("fast", "slow"),
    ("open", "closed"), ("full", "empty"), ("light", "dark"), ("high", "low"),
    ("early", "late"), ("happy", "sad"), ("rich", "poor"), ("wet", "dry"), ("hard", "soft"),
    ("left", "right"), ("in", "out"), ("yes", "no"), ("win", "lose"), ("push", "pull"),
    ("buy", "sell"), ("true", "false"), ("near", "far"), ("long", "short"), ("thick", "thin"),
    ("loud", "quiet"), ("strong", "weak"), ("clean", "dirty"), ("black", "white"),
    ("top", "bottom"), ("east", "west"), ("north", "south"), ("front", "back")) for pair in ((a, b), (b, a)))
CAPITALS = {
    "France": "Paris", "Spain": "Madrid", "Italy": "Rome", "Germany": "Berlin",
    "Japan": "Tokyo", "China": "Beijing", "Egypt": "Cairo", "Peru": "Lima", "Kenya": "Nairobi",
    "Canada": "Ottawa", "Russia": "Moscow", "Greece": "Athens", "Norway": "Oslo",
    "Sweden": "Stockholm", "Poland": "Warsaw", "Austria": "Vienna", "Portugal": "Lisbon",
    "Ireland": "Dublin", "Cuba": "Havana", "Chile": "Santiago", "Iran": "Tehran",
    "Turkey": "Ankara", "Mexico": "Mexico City", "Brazil": "Brasilia",
}
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()


def _phrasing(rng: random.Random, phrasings: tuple[str, ...]) -> str:
    return rng.choice(phrasings)


def _lookup(table: dict[str, str], phrasings: tuple[str, ...]) -> Generator:
    keys = sorted(table)

    def generate(rng: random.Random) -> tuple[str, str, str]:
        key = rng.choice(keys)
        right = table[key]
        wrong = rng.choice([table[k] for k in keys if table[k] != right] + [key] * (key != right))
        return _phrasing(rng, phrasings).format(x=key), right, wrong
    return generate


def _number_word(rng: random.Random) -> tuple[str, str, str]:
    n = rng.randint(0, 20)
    wrong_n = n + 1 if n == 0 else n - 1 if n == 20 else n + rng.choice((-1, 1))
    if rng.random() < 0.5:
        phrasing = _phrasing(rng, ("How do you spell {x}?", "Spell {x}?",
                                         "What is the word for {x}?"))
        return phrasing.format(x=n), NUMBER_WORDS[n], NUMBER_WORDS[wrong_n]
    phrasing = _phrasing(rng, ("Which digits mean {x}?", "Digits for {x}?",
                                     "What number is {x}?"))
    return phrasing.format(x=NUMBER_WORDS[n]), str(n), str(wrong_n)


def _next_letter(rng: random.Random) -> tuple[str, str, str]:
    i = rng.randrange(25)
    letter, right = string.ascii_lowercase[i], string.ascii_lowercase[i + 1]
    wrong = rng.choice([letter] + [c for c in string.ascii_lowercase if c not in (letter, right)])
    phrasing = _phrasing(rng, ("Which letter comes after {x}?", "Next letter after {x}?",
                                     "What letter follows {x}?"))
    return phrasing.format(x=letter), right, wrong


TASKS: dict[str, tuple[float, Generator]] = {
    # facts: learnable by a small model within a minute, as they recur across the splits
    "opposite": (0.16, _lookup(OPPOSITES, ("What is the opposite of {x}?", "Opposite of {x}?",
                                           "Which word means the reverse of {x}?"))),
    "number_word": (0.14, _number_word),
    "capital": (0.12, _lookup(CAPITALS, ("What is the capital of {x}?", "Capital of {x}?",
                                         "Which city is the capital of {x}?"))),
    "next_letter": (0.10, _next_letter),
    "add": (0.10, _add),
    # string tasks: harder, they need copying or transforming the input
    "reverse": (0.08, _reverse),
    "uppercase": (0.08, _uppercase),
    "sort_digits": (0.08, _sort_digits),
    "repeat": (0.06, _repeat),
    "first_letter": (0.04, _letter(0, "first")),
    "last_letter": (0.04, _letter(-1, "last")),
}
"""Task name -> (share of the pairs, generator)."""


def _row(rng: random.Random, trap_rate: float) -> dict:
    names = list(TASKS)
    task = rng.choices(names, [TASKS[n][0] for n in names])[0]
    prompt, right, wrong = TASKS[task][1](rng)
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
    """{"train": rows, "test": rows}: independent draws from one distribution."""
    rng = random.Random(f"mo-orpo-synthetic:{seed}")
    return {"train": [_row(rng, verbose_trap_rate) for _ in range(train_pairs)],
            "test": [_row(rng, verbose_trap_rate) for _ in range(test_pairs)]}


def synthetic_dataset(config: SyntheticDataConfig | None = None) -> DatasetDict:
    """The built-in dataset as a `DatasetDict` with `train` and `test` splits."""
    from datasets import Dataset, DatasetDict

    config = config or SyntheticDataConfig()
    rows = synthetic_rows(config.train_pairs, config.test_pairs, config.seed,
                          config.verbose_trap_rate)
    return DatasetDict({name: Dataset.from_list(split) for name, split in rows.items()})
