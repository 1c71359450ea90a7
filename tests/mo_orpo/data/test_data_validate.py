"""Row validation: each bad-row kind in both on_bad_row modes, and valid rows of both schemas."""

from __future__ import annotations

import pytest

from mo_orpo.data import BAD_ROW_REASONS, BadRow, BadRowError, PreferencePair, validate_rows

U = {"role": "user", "content": "Reverse abc"}


def msg(role: str, content):
    return {"role": role, "content": content}


# (case id, bad row, field, reason)
BAD_CASES = [
    ("missing_prompt", {"chosen": "x", "rejected": "y"}, "prompt", "missing_field"),
    ("missing_rejected", {"prompt": "p", "chosen": "x"}, "rejected", "missing_field"),
    ("null_chosen", {"prompt": "p", "chosen": None, "rejected": "y"}, "chosen", "null_field"),
    ("prompt_not_string", {"prompt": 5, "chosen": "x", "rejected": "y"}, "prompt", "wrong_type"),
    ("chosen_is_dict", {"prompt": "p", "chosen": {"a": 1}, "rejected": "y"}, "chosen",
     "wrong_type"),
    ("string_vs_list", {"prompt": "p", "chosen": "x", "rejected": [U, msg("assistant", "y")]},
     "rejected", "wrong_type"),
    ("message_not_dict", {"prompt": "p", "chosen": [U, "cba"],
                          "rejected": [U, msg("assistant", "abc")]}, "chosen",
     "malformed_message"),
    ("content_not_string", {"prompt": "p", "chosen": [U, msg("assistant", "cba")],
                            "rejected": [U, msg("assistant", 7)]}, "rejected",
     "malformed_message"),
    ("message_without_role", {"prompt": "p", "chosen": [U, {"content": "cba"}],
                              "rejected": [U, msg("assistant", "abc")]}, "chosen",
     "malformed_message"),
    ("empty_prompt", {"prompt": "  \n", "chosen": "x", "rejected": "y"}, "prompt",
     "empty_prompt"),
    ("empty_flat_response", {"prompt": "p", "chosen": " \t", "rejected": "y"}, "chosen",
     "empty_response"),
    ("empty_final_message", {"prompt": "p", "chosen": [U, msg("assistant", "cba")],
                             "rejected": [U, msg("assistant", "   ")]}, "rejected",
     "empty_response"),
    ("final_turn_from_user", {"prompt": "p", "chosen": [U, msg("user", "cba")],
                              "rejected": [U, msg("assistant", "abc")]}, "chosen",
     "no_assistant_turn"),
    ("empty_message_list", {"prompt": "p", "chosen": [U, msg("assistant", "cba")],
                            "rejected": []}, "rejected", "no_assistant_turn"),
    ("identical_flat", {"prompt": "p", "chosen": "same", "rejected": " same "}, "rejected",
     "identical_responses"),
    ("identical_messages", {"prompt": "p", "chosen": [U, msg("assistant", "cba")],
                            "rejected": [U, msg("assistant", "cba")]}, "rejected",
     "identical_responses"),
    ("conversations_differ", {"prompt": "p", "chosen": [U, msg("assistant", "cba")],
                              "rejected": [msg("user", "Reverse abd"),
                                           msg("assistant", "dba")]}, "rejected",
     "conversation_mismatch"),
]
IDS = [case[0] for case in BAD_CASES]
GOOD_FLAT = {"prompt": "Uppercase: ab", "chosen": "AB", "rejected": "Ab"}


def test_every_reason_in_the_registry_has_a_case():
    assert {case[3] for case in BAD_CASES} == set(BAD_ROW_REASONS)


@pytest.mark.parametrize(("case", "row", "field", "reason"), BAD_CASES, ids=IDS)
def test_skip_mode_counts_the_bad_row(case, row, field, reason):
    result = validate_rows([GOOD_FLAT, GOOD_FLAT, row, GOOD_FLAT], on_bad_row="skip")
    assert result.rows == 4
    assert [p.index for p in result.pairs] == [0, 1, 3]
    assert len(result.bad) == 1
    bad = result.bad[0]
    assert (bad.row, bad.field, bad.reason) == (2, field, reason)
    assert bad.detail
    assert result.counts_by_reason == {reason: 1}


@pytest.mark.parametrize(("case", "row", "field", "reason"), BAD_CASES, ids=IDS)
def test_error_mode_raises_naming_row_and_field(case, row, field, reason):
    with pytest.raises(BadRowError) as info:
        validate_rows([GOOD_FLAT, GOOD_FLAT, row, GOOD_FLAT], on_bad_row="error")
    message = str(info.value)
    assert "row 2" in message and repr(field) in message and reason in message
    assert "expected" in message
    assert (info.value.bad.row, info.value.bad.field, info.value.bad.reason) == (2, field, reason)


def test_skip_mode_counts_several_reasons_and_keeps_source_indices():
    rows = [GOOD_FLAT, BAD_CASES[2][1], GOOD_FLAT, BAD_CASES[2][1], BAD_CASES[9][1]]
    result = validate_rows(rows, indices=[10, 11, 12, 13, 14])
    assert [p.index for p in result.pairs] == [10, 12]
    assert [(b.row, b.reason) for b in result.bad] == [
        (11, "null_field"), (13, "null_field"), (14, "empty_prompt")]
    assert result.counts_by_reason == {"null_field": 2, "empty_prompt": 1}
    assert result.rows == len(result.pairs) + len(result.bad)


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="skip, error"):
        validate_rows([GOOD_FLAT], on_bad_row="ignore")


def test_ultrafeedback_row_becomes_a_pair(uf_row):
    row = uf_row("Reverse abc", "cba", "abc", score_chosen=9.0, score_rejected=2.5,
                 prompt_id="x1", messages=[U])
    result = validate_rows([row])
    assert result.bad == []
    assert result.pairs == [PreferencePair(
        index=0, prompt=({"role": "user", "content": "Reverse abc"},), chosen="cba",
        rejected="abc", meta={"score_chosen": 9.0, "score_rejected": 2.5, "prompt_id": "x1"})]


def test_multi_turn_conversation_is_the_prompt():
    history = [msg("system", "Be brief."), msg("user", "Hi"), msg("assistant", "Hello!"),
               msg("user", "Reverse abc")]
    row = {"prompt": "Hi", "chosen": history + [msg("assistant", "cba")],
           "rejected": history + [msg("assistant", "bca")]}
    pair = validate_rows([row]).pairs[0]
    assert pair.prompt == tuple(history)
    assert (pair.chosen, pair.rejected) == ("cba", "bca")


def test_extra_message_keys_are_dropped():
    row = {"prompt": "p", "chosen": [{"role": "user", "content": "p", "name": None},
                                     {"role": "assistant", "content": "x", "name": None}],
           "rejected": [{"role": "user", "content": "p", "name": None},
                        {"role": "assistant", "content": "y", "name": None}]}
    assert validate_rows([row]).pairs[0].prompt == ({"role": "user", "content": "p"},)


def test_flat_row_becomes_one_user_message():
    pair = validate_rows([GOOD_FLAT]).pairs[0]
    assert pair.prompt == ({"role": "user", "content": "Uppercase: ab"},)
    assert (pair.chosen, pair.rejected, dict(pair.meta)) == ("AB", "Ab", {})


def test_bad_row_to_dict():
    assert BadRow(3, "chosen", "null_field", "value is null").to_dict() == {
        "row": 3, "field": "chosen", "reason": "null_field", "detail": "value is null"}
