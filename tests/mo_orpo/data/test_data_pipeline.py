"""prepare_data: aligned lists, stats, caps, seeds, bad rows and the training log summary."""

from __future__ import annotations

import json
import logging

import pytest

from mo_orpo.config.train import DataConfig, SyntheticDataConfig
from mo_orpo.data import BadRowError, prepare_data

SMALL = SyntheticDataConfig(train_pairs=120, test_pairs=30)


def assert_aligned(pairs, sj):
    assert len(pairs) == len(sj)
    assert [p.index for p in pairs] == [e.index for e in sj]
    assert all(p.chosen in e.prompt[0]["content"] and p.rejected in e.prompt[0]["content"]
               for p, e in zip(pairs, sj, strict=True))


def test_default_synthetic_run(tiny_formatter, caplog):
    with caplog.at_level(logging.INFO, logger="mo_orpo.data.pipeline"):
        data = prepare_data(DataConfig(), tiny_formatter)
    assert (len(data.train), len(data.eval)) == (1200, 200)
    assert_aligned(data.train, data.train_sj)
    assert_aligned(data.eval, data.eval_sj)
    stats = data.stats.to_dict()
    assert stats["train"]["rows"] == stats["train"]["valid"] == stats["train"]["kept"] == 1200
    assert stats["train"]["sj"]["templates_used"] >= 50
    assert 0.5 < stats["train"]["sj"]["rejected_first_rate"] < 0.6
    json.dumps(stats)
    assert "1200 rows" in data.stats.summary() and "200 kept" in data.stats.summary()
    assert any("1200 rows" in r.getMessage() for r in caplog.records)


def test_caps_and_length_limits_with_the_real_tokenizer(tiny_formatter):
    config = DataConfig(synthetic=SMALL, max_train_pairs=50, max_eval_pairs=10,
                        max_sj_tokens=260)
    data = prepare_data(config, tiny_formatter)
    assert_aligned(data.train, data.train_sj)
    train = data.stats.train
    assert train.filtered_too_long == train.filtered_by_reason["sj_too_long"] > 0
    assert train.kept == len(data.train) == 50
    assert train.rows == len(train.bad) + train.filtered_too_long + train.capped + train.kept
    assert all(tiny_formatter.prompt_tokens(e.prompt) <= 260 for e in data.train_sj)
    assert (data.stats.eval.kept, len(data.eval)) == (10, 10)
    # Deterministic, and the source order is kept.
    again = prepare_data(config, tiny_formatter)
    assert again.train == data.train and again.train_sj == data.train_sj
    assert [p.index for p in data.train] == sorted(p.index for p in data.train)


def test_data_seed_draws_the_sj_templates(tiny_formatter):
    a = prepare_data(DataConfig(synthetic=SMALL), tiny_formatter).train_sj
    b = prepare_data(DataConfig(synthetic=SMALL, seed=1), tiny_formatter).train_sj
    assert [e.template_id for e in a] != [e.template_id for e in b]
    assert prepare_data(DataConfig(synthetic=SMALL), tiny_formatter).train_sj == a


def test_bad_rows_in_a_file_are_counted_or_raised(tmp_path, tiny_formatter, uf_row, write_jsonl):
    rows = [uf_row(f"Reverse w{i}", f"{i}w", f"w{i}") for i in range(20)]
    rows[3] = uf_row("Reverse ab", "ba", "ba")
    rows[11]["chosen"] = None
    path = write_jsonl(tmp_path / "uf.jsonl", rows)
    config = DataConfig(source=str(path), eval_split=None, eval_fraction=0.2)
    data = prepare_data(config, tiny_formatter)
    all_bad = data.stats.train.bad + data.stats.eval.bad
    assert sorted((b.row, b.field, b.reason) for b in all_bad) == [
        (3, "rejected", "identical_responses"), (11, "chosen", "null_field")]
    assert data.stats.train.rows + data.stats.eval.rows == 20
    assert data.stats.eval.rows == 4
    assert not {p.index for p in data.train} & {p.index for p in data.eval}
    assert "dropped:" in data.stats.summary()
    config.on_bad_row = "error"
    with pytest.raises(BadRowError, match=r"row (3|11)"):
        prepare_data(config, tiny_formatter)
