"""The length filter: both limits, inclusive bounds, alignment, and the tiny model's tokens."""

from __future__ import annotations

import pytest

from mo_orpo.data import PreferencePair, filter_by_length, to_self_judgment


class CharCounter:
    """Counts characters: prompt = sum of message contents, text = its length."""

    def prompt_tokens(self, messages):
        return sum(len(m["content"]) for m in messages)

    def text_tokens(self, text):
        return len(text)


def pair(i: int, prompt_len: int, chosen_len: int, rejected_len: int) -> PreferencePair:
    return PreferencePair(i, ({"role": "user", "content": "p" * prompt_len},),
                          "c" * chosen_len, "r" * rejected_len, {})


def test_counts_per_reason_with_a_simple_counter():
    pairs = [pair(0, 10, 5, 5), pair(1, 30, 20, 20), pair(2, 10, 5, 6), pair(3, 2, 2, 3),
             pair(4, 100, 1, 2)]
    sj = to_self_judgment(pairs, seed=0)
    sj_len = {e.index: len(e.prompt[0]["content"]) for e in sj}
    max_pair = 20  # pair sizes: 20, 70, 21, 7, 103
    max_sj = sj_len[3] + 30  # pair 0's SJ prompt is 22 characters longer than pair 3's
    expected_kept = [i for i, size in enumerate([20, 70, 21, 7, 103])
                     if size <= max_pair and sj_len[i] <= max_sj]
    expected_sj_too_long = [i for i, size in enumerate([20, 70, 21, 7, 103])
                            if size <= max_pair and sj_len[i] > max_sj]
    result = filter_by_length(pairs, sj, CharCounter(), max_pair, max_sj)
    assert [p.index for p in result.pairs] == expected_kept
    assert [e.index for e in result.sj] == expected_kept
    assert result.counts == {"pair_too_long": 3, "sj_too_long": len(expected_sj_too_long)}
    assert result.filtered == 3 + len(expected_sj_too_long)


def test_sj_limit_alone():
    pairs = [pair(i, 3, 1, 2 + i) for i in range(6)]
    sj = to_self_judgment(pairs, seed=5)
    lengths = sorted(len(e.prompt[0]["content"]) for e in sj)
    limit = lengths[2]  # inclusive: exactly three SJ prompts fit (ties aside)
    result = filter_by_length(pairs, sj, CharCounter(), 10_000, limit)
    expected = [e.index for e in sj if len(e.prompt[0]["content"]) <= limit]
    assert [p.index for p in result.pairs] == expected
    assert result.counts == {"pair_too_long": 0, "sj_too_long": 6 - len(expected)}


def test_misaligned_lists_are_refused():
    pairs = [pair(0, 1, 1, 2), pair(1, 1, 1, 2)]
    sj = to_self_judgment(pairs, seed=0)
    with pytest.raises(ValueError, match="aligned"):
        filter_by_length(pairs, sj[:1], CharCounter())
    with pytest.raises(ValueError, match="aligned"):
        filter_by_length(pairs, sj[::-1], CharCounter())


def byte_prompt_tokens(content: str) -> int:
    # The tiny model: byte tokens, built-in chat template, no BOS.
    return len(f"<|user|>\n{content}\n<|assistant|>\n".encode())


def byte_text_tokens(text: str) -> int:
    return len(text.encode()) + 1  # + EOS


def test_limits_in_the_tiny_models_tokens(tiny_formatter):
    pairs = [PreferencePair(0, ({"role": "user", "content": "Reverse: héllo"},), "olléh", "hello",
                            {}),
             PreferencePair(1, ({"role": "user", "content": "Uppercase: ab"},), "AB", "Ab", {}),
             PreferencePair(2, ({"role": "user", "content": "x" * 50},), "y" * 40, "z" * 40, {})]
    sj = to_self_judgment(pairs, seed=2)
    size = [byte_prompt_tokens(p.prompt[0]["content"]) + byte_text_tokens(p.chosen)
            + byte_text_tokens(p.rejected) for p in pairs]
    sj_size = [byte_prompt_tokens(e.prompt[0]["content"]) for e in sj]
    # 24 template bytes + 'Reverse: héllo' (15 bytes: 'é' is two) + 'olléh' (6) + EOS + 'hello' + EOS
    assert size[0] == 24 + 15 + (6 + 1) + (5 + 1)
    # Pair 1 sits exactly on both limits (inclusive); pairs 0 and 2 are over the pair limit.
    max_pair, max_sj = size[1], sj_size[1]
    result = filter_by_length(pairs, sj, tiny_formatter, max_pair, max_sj)
    expected = [i for i in range(3) if size[i] <= max_pair and sj_size[i] <= max_sj]
    assert expected == [1]
    assert [p.index for p in result.pairs] == expected
    assert result.counts["pair_too_long"] == sum(s > max_pair for s in size)
    assert result.filtered == 3 - len(expected)
    one_less = filter_by_length(pairs, sj, tiny_formatter, max_pair - 1, 10**6)
    assert 1 not in [p.index for p in one_less.pairs]
    sj_one_less = filter_by_length(pairs, sj, tiny_formatter, 10**6, max_sj - 1)
    assert 1 not in [p.index for p in sj_one_less.pairs]
    assert sj_one_less.counts["sj_too_long"] >= 1
