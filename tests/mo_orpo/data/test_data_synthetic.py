"""The built-in synthetic dataset: deterministic, right chosen answers, traps, sizes."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from mo_orpo.config.train import SyntheticDataConfig
from mo_orpo.data import synthetic_dataset, synthetic_rows, validate_rows


def solve(task: str, prompt: str) -> str:
    """The right answer, recomputed from the prompt text."""
    quoted_or_bare = r"'?([a-z]+)'?"
    if task == "reverse":
        word = re.fullmatch(r"(?:Reverse the string: |Write |Reverse ')([a-z]+)(?: backwards\.|'\.)?",
                            prompt).group(1)
        return word[::-1]
    if task == "uppercase":
        word = re.fullmatch(r"(?:Uppercase: |Write |Convert ')([a-z]+)(?: in capital letters\.|' to "
                            r"upper case\.)?", prompt).group(1)
        return word.upper()
    if task == "sort_digits":
        digits = re.fullmatch(r"[A-Za-z ]+: ([0-9 ]+)", prompt).group(1).split()
        return " ".join(sorted(digits, key=int))
    if task == "repeat":
        m = re.fullmatch(r"(?:Repeat|Write|Say) " + quoted_or_bare + r" (\d) times\.", prompt)
        return " ".join([m.group(1)] * int(m.group(2)))
    if task in ("first_letter", "last_letter"):
        word = re.search(r"of " + quoted_or_bare + r"\?$", prompt).group(1)
        return word[0] if task == "first_letter" else word[-1]
    if task == "add":
        a, b = map(int, re.findall(r"\d+", prompt))
        return str(a + b)
    if task == "next_letter":
        letter = re.search(r"(?:after|follows) ([a-y])\b", prompt).group(1)
        return chr(ord(letter) + 1)
    if task == "number_word":
        words = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                 "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()
        digits = re.search(r"\d+", prompt)
        if digits:
            return words[int(digits.group())]
        return str(next(i for i, w in enumerate(words) if re.search(rf"\b{w}\b", prompt)))
    if task == "capital":
        country = re.search(r"of ([A-Z][a-z]+)[?.]$", prompt).group(1)
        return WORLD_CAPITALS[country]
    if task == "opposite":
        word = re.search(r"(?:of|antonym of) '?([a-z]+)'?[?.]$", prompt).group(1)
        return ANTONYMS[word]
    raise AssertionError(f"unknown task {task!r}")


# Ground truth written out here, independently of the generator's tables.
WORLD_CAPITALS = {
    "France": "Paris", "Spain": "Madrid", "Italy": "Rome", "Germany": "Berlin", "Japan": "Tokyo",
    "China": "Beijing", "Egypt": "Cairo", "Peru": "Lima", "Kenya": "Nairobi", "Canada": "Ottawa",
    "Russia": "Moscow", "Greece": "Athens", "Norway": "Oslo", "Sweden": "Stockholm",
    "Poland": "Warsaw", "Austria": "Vienna", "Portugal": "Lisbon", "Ireland": "Dublin",
    "Cuba": "Havana", "Chile": "Santiago", "Iran": "Tehran", "Turkey": "Ankara",
    "Mexico": "Mexico City", "Brazil": "Brasilia"}
_PAIRS = ("hot cold big small up down day night fast slow open closed full empty light dark "
          "high low early late happy sad rich poor wet dry hard soft left right in out yes no "
          "win lose push pull buy sell true false near far long short thick thin loud quiet "
          "strong weak clean dirty black white top bottom east west north south front back").split()
ANTONYMS = {**dict(zip(_PAIRS[::2], _PAIRS[1::2])), **dict(zip(_PAIRS[1::2], _PAIRS[::2]))}


TRAP = re.compile(r".*(?:asked for: |the answer is |the result is: )(.+)\. [A-Z].*")


@pytest.fixture(scope="module")
def rows():
    return synthetic_rows(1200, 200, seed=0)


def test_deterministic_from_the_seed(rows):
    assert synthetic_rows(1200, 200, seed=0) == rows
    other = synthetic_rows(1200, 200, seed=1)
    assert sum(a["prompt"] != b["prompt"] for a, b in zip(rows["train"], other["train"],
                                                             strict=True)) > 1000


def test_better_response_is_right_and_worse_is_wrong(rows):
    for split in ("train", "test"):
        for row in rows[split]:
            right = solve(row["task"], row["prompt"])
            chosen, rejected = row["chosen"][-1]["content"], row["rejected"][-1]["content"]
            assert chosen == right, row
            assert row["chosen"][:-1] == row["rejected"][:-1] == [
                {"role": "user", "content": row["prompt"]}]
            wrong = TRAP.fullmatch(rejected).group(1) if row["verbose_trap"] else rejected
            assert wrong != right, row
            assert len(row["prompt"]) < 60


def test_verbosity_traps(rows):
    train = rows["train"]
    traps = [r for r in train if r["verbose_trap"]]
    assert 0.25 <= len(traps) / len(train) <= 0.35
    for row in traps:
        assert len(row["rejected"][-1]["content"]) > len(row["chosen"][-1]["content"]) + 20
    for row in train:
        if not row["verbose_trap"]:
            assert TRAP.fullmatch(row["rejected"][-1]["content"]) is None


def test_task_mix(rows):
    counts = Counter(r["task"] for r in rows["train"])
    assert set(counts) == {"reverse", "uppercase", "sort_digits", "repeat", "first_letter",
                           "last_letter", "add", "opposite", "number_word", "capital",
                           "next_letter"}
    assert counts["add"] / len(rows["train"]) < 0.2  # arithmetic stays a minority
    assert counts.most_common(1)[0][1] / len(rows["train"]) < 0.3


def test_string_task_inputs_are_fresh_in_the_test_split(rows):
    strings = ("reverse", "uppercase", "sort_digits", "repeat")
    train = {r["prompt"] for r in rows["train"] if r["task"] in strings}
    test = [r["prompt"] for r in rows["test"] if r["task"] in strings]
    assert sum(p in train for p in test) / len(test) < 0.2


def test_split_sizes_schema_and_validity():
    default = synthetic_dataset()
    assert (len(default["train"]), len(default["test"])) == (1200, 200)
    small = synthetic_dataset(SyntheticDataConfig(train_pairs=17, test_pairs=3, seed=4))
    assert (len(small["train"]), len(small["test"])) == (17, 3)
    assert {"prompt", "prompt_id", "chosen", "rejected", "score_chosen", "score_rejected", "task",
            "verbose_trap"} <= set(small["train"].column_names)
    result = validate_rows(default["train"])
    assert result.bad == [] and len(result.pairs) == 1200
    assert {"task", "verbose_trap", "score_chosen"} <= set(result.pairs[0].meta)
