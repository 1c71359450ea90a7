"""`mo-orpo data preview`, through `main([...])` and once through a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mo_orpo.cli.main import main

BAD = {2: ("chosen", "null_field"), 4: ("rejected", "no_assistant_turn"),
       5: ("rejected", "identical_responses"), 7: ("prompt", "empty_prompt"),
       8: ("chosen", "malformed_message")}


@pytest.fixture
def uf_file(tmp_path, uf_row, write_jsonl):
    rows = [uf_row(f"Reverse the string: w{i}xyz", f"zyx{i}w", f"w{i}xyz", score_chosen=9.0,
                   score_rejected=3.0) for i in range(10)]
    rows[2]["chosen"] = None
    rows[4]["rejected"][-1]["role"] = "user"
    rows[5] = uf_row("Uppercase: ab", "AB", "AB")
    rows[7]["prompt"] = "   "
    rows[8]["chosen"][-1]["content"] = 42
    return write_jsonl(tmp_path / "uf.jsonl", rows)


def run_json(capsys, *args: str) -> dict:
    assert main(["data", "preview", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_lists_each_bad_row_by_index(capsys, uf_file):
    report = run_json(capsys, str(uf_file))
    assert [(b["row"], b["field"], b["reason"]) for b in report["bad"]] == [
        (row, *BAD[row]) for row in sorted(BAD)]
    assert (report["rows"], report["valid"], report["kept"]) == (10, 5, 5)
    assert report["filtered_too_long"] == 0
    assert report["bad_by_reason"] == {reason: 1 for _, reason in BAD.values()}
    assert report["sj"]["templates_used"] >= 1
    assert 0 <= report["sj"]["rejected_first_rate"] <= 1
    assert len(report["examples"]) == 2
    assert {e["index"] for e in report["examples"]} <= {0, 1, 3, 6, 9}


def test_json_token_limits(capsys, uf_file):
    # Valid pairs: 24 template bytes + 25-byte prompt + 2 x (5 bytes + EOS) = 61 tokens.
    report = run_json(capsys, str(uf_file), "--max-pair-tokens", "60")
    assert (report["filtered_too_long"], report["kept"]) == (5, 0)
    assert report["filtered_by_reason"] == {"pair_too_long": 5, "sj_too_long": 0}
    assert report["sj"] == {"templates_used": 0, "rejected_first_rate": None}
    report = run_json(capsys, str(uf_file), "--max-pair-tokens", "61", "--max-sj-tokens", "100")
    assert report["filtered_by_reason"] == {"pair_too_long": 0, "sj_too_long": 5}


def test_rejected_first_rate_and_seed_options(capsys, uf_file):
    assert run_json(capsys, str(uf_file), "--rejected-first-rate", "1")["sj"][
        "rejected_first_rate"] == 1.0
    assert run_json(capsys, str(uf_file), "--rejected-first-rate", "0")["sj"][
        "rejected_first_rate"] == 0.0
    a = run_json(capsys, str(uf_file), "--seed", "1")["examples"]
    b = run_json(capsys, str(uf_file), "--seed", "2")["examples"]
    assert a != b


def test_human_form_shows_counts_bad_rows_and_two_sj_examples(capsys, uf_file):
    assert main(["data", "preview", str(uf_file)]) == 0
    out = capsys.readouterr().out
    assert "rows: 10  valid: 5  bad: 5" in out and "kept: 5" in out
    assert "filtered as too long: 0" in out
    for row, (field, reason) in BAD.items():
        assert f"row {row}  field {field!r}  {reason}" in out
        assert f"  {reason}: 1" in out
    assert "self-judgment:" in out and "templates used" in out
    assert "SJ example 1" in out and "SJ example 2" in out and "SJ example 3" not in out
    assert out.count("chosen: '") == 2


def test_error_mode_exits_2_naming_the_row(capsys, uf_file):
    assert main(["data", "preview", str(uf_file), "--on-bad-row", "error"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "row 2" in captured.err and "'chosen'" in captured.err and "null_field" in captured.err


def test_missing_source_exits_2(capsys, tmp_path):
    assert main(["data", "preview", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_many_bad_rows_are_truncated_in_human_form(capsys, tmp_path, write_jsonl):
    rows = [{"prompt": "p", "chosen": "x", "rejected": "x"}] * 25 + \
           [{"prompt": "p", "chosen": "x", "rejected": "y"}]
    path = write_jsonl(tmp_path / "flat.jsonl", rows)
    assert main(["data", "preview", str(path)]) == 0
    out = capsys.readouterr().out
    assert "row 19 " in out and "row 20 " not in out and "... and 5 more" in out


def test_entry_point_in_a_subprocess(tmp_path, uf_file):
    proc = subprocess.run([sys.executable, "-m", "mo_orpo.cli.main", "data", "preview",
                           str(uf_file), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [b["row"] for b in report["bad"]] == sorted(BAD)
