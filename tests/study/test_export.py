"""`mo-orpo study export`: one row per trial with flags that match a brute-force front."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from study.cli import export as export_cli

OBJECTIVES = (("eval/alignment/loss", "min"), ("eval/sj/accuracy", "max"))


def run_export(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    export_cli.register(parser.add_subparsers())
    args = parser.parse_args(["export", *argv])
    return args.func(args)


def brute_force_front(study: Any) -> dict[str, bool]:
    """Trial id -> non-dominated, over the trials with both objective values (O(n^2))."""
    points = {t: [study.best(t, m) for m, _ in OBJECTIVES] for t in study.records}
    points = {t: p for t, p in points.items() if None not in p}

    def dominates(a: list[float], b: list[float]) -> bool:
        ge = a[0] <= b[0] and a[1] >= b[1]
        return ge and (a[0] < b[0] or a[1] > b[1])

    return {t: not any(dominates(q, p) for s, q in points.items() if s != t)
            for t, p in points.items()}


def check_rows(rows: pd.DataFrame, study: Any) -> None:
    expected = brute_force_front(study)
    assert sorted(rows["trial_id"]) == sorted(study.records)
    flags = dict(zip(rows["trial_id"], rows["non_dominated"], strict=True))
    assert {t: bool(flags[t]) for t in expected} == expected
    assert sum(expected.values()) >= 3  # includes the duplicate pair
    assert not flags["trial_err"] and not flags["trial_run"]
    ranks = dict(zip(rows["trial_id"], rows["pareto_rank"], strict=True))
    assert all(ranks[t] == 1 for t, nd in expected.items() if nd)
    assert all(ranks[t] > 1 for t, nd in expected.items() if not nd)
    assert pd.isna(ranks["trial_err"]) and pd.isna(ranks["trial_run"])
    by_id = rows.set_index("trial_id")
    assert by_id.loc["trial_err", "state"] == "errored"
    assert "out of memory" in by_id.loc["trial_err", "error"]
    assert by_id.loc["trial_00004", "config/train.w1"] == 0.6
    assert by_id.loc["trial_00004", "strategy"] == "scalarization"
    for metric, _ in OBJECTIVES:
        assert by_id.loc["trial_00004", metric] == pytest.approx(study.best("trial_00004", metric))


def test_csv_flags_match_brute_force(explorer_study: Any, tmp_path: Path) -> None:
    out = tmp_path / "trials.csv"
    assert run_export(explorer_study.name, "--storage", str(explorer_study.storage),
                      "--format", "csv", "-o", str(out)) == 0
    rows = pd.read_csv(out)
    check_rows(rows, explorer_study)
    assert rows.columns[:4].tolist() == ["trial_id", "state", "non_dominated", "pareto_rank"]


def test_parquet_keeps_types(explorer_study: Any, tmp_path: Path) -> None:
    # a config value whose type differs between trials must not break the arrow schema
    record = explorer_study.store.read_trial("trial_00001")
    record["params"]["data.extra"] = ["a", 1]
    explorer_study.store.write_trial(record)
    out = tmp_path / "trials.parquet"
    assert run_export(explorer_study.name, "--storage", str(explorer_study.storage),
                      "--format", "parquet", "-o", str(out)) == 0
    rows = pd.read_parquet(out)
    check_rows(rows, explorer_study)
    assert rows["non_dominated"].dtype == bool
    assert str(rows["pareto_rank"].dtype) == "Int64"
    assert rows.set_index("trial_id").loc["trial_00001", "config/data.extra"] == '["a", 1]'


def test_json_records(explorer_study: Any, tmp_path: Path) -> None:
    out = tmp_path / "trials.json"
    assert run_export(explorer_study.name, "--storage", str(explorer_study.storage),
                      "--format", "json", "-o", str(out)) == 0
    records = json.loads(out.read_text())
    assert isinstance(records, list) and all(isinstance(r["non_dominated"], bool) for r in records)
    rows = pd.DataFrame(records)
    check_rows(rows, explorer_study)
    assert next(r for r in records if r["trial_id"] == "trial_run")["pareto_rank"] is None


def test_stdout_and_default_name(explorer_study: Any, tmp_path: Path, capsys: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_export(explorer_study.name, "--storage", str(explorer_study.storage),
                      "--format", "csv", "-o", "-") == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("trial_id,state,non_dominated,pareto_rank")
    assert len(captured.out.splitlines()) == len(explorer_study.records) + 1
    monkeypatch.chdir(tmp_path)
    assert run_export(explorer_study.name, "--storage", str(explorer_study.storage),
                      "--format", "json") == 0
    assert (tmp_path / f"{explorer_study.name}-trials.json").exists()


def test_unknown_study_says_where_it_looked(tmp_path: Path, capsys: Any) -> None:
    from mo_orpo.cli.main import main

    assert main(["study", "export", "nope", "--storage", str(tmp_path), "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mo-orpo study export: no study 'nope'")
    assert str(tmp_path / "nope") in err and "--storage" in err
