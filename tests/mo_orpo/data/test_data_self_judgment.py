"""The self-judgment transform (paper Figure 1): labels, templates, order, determinism."""

from __future__ import annotations

import re

import pytest

from mo_orpo.data import TEMPLATES, PreferencePair, to_self_judgment

N = 10_000


def make_pairs(n: int) -> list[PreferencePair]:
    # Unique, non-overlapping texts so each response can be located in the prompt.
    return [PreferencePair(index=i, prompt=({"role": "user", "content": f"Task #{i}: solve it"},),
                           chosen=f"good answer {i} alpha", rejected=f"bad answer {i} omega",
                           meta={}) for i in range(n)]


@pytest.fixture(scope="module")
def pairs() -> list[PreferencePair]:
    return make_pairs(N)


@pytest.fixture(scope="module")
def examples(pairs):
    return to_self_judgment(pairs, seed=7)


def single_char_tokens(text: str) -> set[str]:
    """Labels are one letter or digit: 'A', '1', 'X', 'a' in headers and completions."""
    return {t for t in re.findall(r"[A-Za-z0-9]+", text) if len(t) == 1}


def header_above(prompt: str, response: str) -> str:
    """The line right above where `response` starts in `prompt`."""
    start = prompt.index(response)
    assert prompt[start - 1] == "\n"
    return prompt[: start - 1].rsplit("\n", 1)[-1]


def test_chosen_label_points_at_the_better_response(pairs, examples):
    assert len(examples) == N
    for pair, ex in zip(pairs, examples, strict=True):
        text = ex.prompt[0]["content"]
        assert len(ex.prompt) == 1 and ex.prompt[0]["role"] == "user"
        assert ex.index == pair.index
        assert pair.prompt[0]["content"] in text
        better_label = single_char_tokens(header_above(text, pair.chosen))
        worse_label = single_char_tokens(header_above(text, pair.rejected))
        assert len(better_label) == 1 and len(worse_label) == 1 and better_label != worse_label
        assert single_char_tokens(ex.chosen) == better_label, (text, ex.chosen)
        assert single_char_tokens(ex.rejected) == worse_label, (text, ex.rejected)
        # The choice shows in the first completion character (first byte token).
        assert ex.chosen[0] != ex.rejected[0]
        # rejected_first matches where the responses actually are.
        assert ex.rejected_first == (text.index(pair.rejected) < text.index(pair.chosen))


def test_template_coverage_and_rejected_first_rate(examples):
    used = {ex.template_id for ex in examples}
    assert len(used) >= 50
    assert used <= set(TEMPLATES)
    rate = sum(ex.rejected_first for ex in examples) / len(examples)
    assert abs(rate - 0.55) <= 0.02


@pytest.mark.parametrize("rate", [0.0, 1.0, 0.3])
def test_rejected_first_rate_is_configurable(pairs, rate):
    sj = to_self_judgment(pairs[:4000], seed=1, rejected_first_rate=rate)
    observed = sum(ex.rejected_first for ex in sj) / len(sj)
    assert abs(observed - rate) <= 0.03


def test_deterministic_for_a_seed_and_different_for_another(pairs, examples):
    assert to_self_judgment(pairs, seed=7) == examples
    other = to_self_judgment(pairs, seed=8)
    differing = sum(a.template_id != b.template_id for a, b in zip(examples, other, strict=True))
    assert differing > N // 2


def test_a_pairs_example_is_stable_under_filtering(pairs, examples):
    subset = [p for p in pairs if p.index % 3 == 1]
    sub_examples = to_self_judgment(subset, seed=7)
    assert sub_examples == [ex for ex in examples if ex.index % 3 == 1]


def test_multi_turn_conversation_is_rendered_as_readable_text():
    conversation = ({"role": "system", "content": "Be terse."},
                    {"role": "user", "content": "Name a colour."},
                    {"role": "assistant", "content": "Red."},
                    {"role": "user", "content": "Another one?"})
    pair = PreferencePair(0, conversation, "Blue.", "Red again.", {})
    text = to_self_judgment([pair], seed=0)[0].prompt[0]["content"]
    for line in ("System: Be terse.", "User: Name a colour.", "Assistant: Red.",
                 "User: Another one?"):
        assert line in text


def test_out_of_range_rate_is_rejected(pairs):
    with pytest.raises(ValueError, match="rejected_first_rate"):
        to_self_judgment(pairs[:2], seed=0, rejected_first_rate=1.5)


def test_templates_are_many_distinct_and_short():
    assert len(TEMPLATES) >= 50
    rendered = set()
    for tid, template in TEMPLATES.items():
        assert template.id == tid
        text = template.render("<INSTRUCTION>", "<FIRST>", "<SECOND>")
        rendered.add((text, template.completion(0), template.completion(1)))
        fixed = len(text) - len("<INSTRUCTION><FIRST><SECOND>")
        assert 100 <= fixed <= 250, (tid, fixed)
        assert text.index("<FIRST>") < text.index("<SECOND>")
        assert template.completion(0)[0] != template.completion(1)[0]
    assert len(rendered) == len(TEMPLATES)
    assert len({t.base.task for t in TEMPLATES.values()}) >= 5
    assert len({t.labels for t in TEMPLATES.values()}) >= 3
    assert len({t.answer for t in TEMPLATES.values()}) >= 2
    assert {t.task_first for t in TEMPLATES.values()} == {True, False}
