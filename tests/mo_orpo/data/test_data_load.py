"""Loading each local format, saved datasets, the synthetic source, and the errors."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset, DatasetDict

from mo_orpo.config.train import DataConfig, SyntheticDataConfig
from mo_orpo.data import DataSourceError, load_split, load_train_eval, source_kind, validate_rows

FLAT = [{"prompt": f"Reverse w{i}x", "chosen": f"x{i}w", "rejected": f"w{i}x"} for i in range(6)]


def write_json(path, rows):
    path.write_text(json.dumps(rows))


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def write_parquet(path, rows):
    pq.write_table(pa.Table.from_pylist(rows), path)


def write_csv(path, rows):
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


WRITERS = {"json": write_json, "jsonl": write_jsonl, "parquet": write_parquet, "csv": write_csv}


@pytest.mark.parametrize("ext", sorted(WRITERS))
def test_local_file_is_the_train_split(tmp_path, ext):
    path = tmp_path / f"pairs.{ext}"
    WRITERS[ext](path, FLAT)
    assert source_kind(str(path)) == "file"
    ds = load_split(str(path), "train")
    assert [dict(r) for r in ds] == FLAT
    pairs = validate_rows(ds).pairs
    assert [(p.prompt[0]["content"], p.chosen, p.rejected) for p in pairs] == [
        (r["prompt"], r["chosen"], r["rejected"]) for r in FLAT]


def test_ultrafeedback_jsonl_with_mixed_types_still_loads_row_by_row(tmp_path, uf_row):
    rows = [uf_row("p0", "a", "b"), {"prompt": "p1", "chosen": 5, "rejected": "x"},
            uf_row("p2", "a", "b")]
    write_jsonl(tmp_path / "uf.jsonl", rows)
    result = validate_rows(load_split(str(tmp_path / "uf.jsonl"), "train"))
    assert [p.index for p in result.pairs] == [0, 2]
    assert [(b.row, b.field, b.reason) for b in result.bad] == [(1, "chosen", "wrong_type")]


def test_saved_dataset_dict_directory(tmp_path):
    DatasetDict({"train": Dataset.from_list(FLAT[:4]),
                 "test": Dataset.from_list(FLAT[4:])}).save_to_disk(tmp_path / "dd")
    assert source_kind(str(tmp_path / "dd")) == "directory"
    assert [r["prompt"] for r in load_split(str(tmp_path / "dd"), "test")] == \
        [r["prompt"] for r in FLAT[4:]]
    with pytest.raises(DataSourceError, match=r"no split 'valid'; available splits: test, "
                                              r"train"):
        load_split(str(tmp_path / "dd"), "valid")


def test_saved_single_dataset_directory(tmp_path):
    Dataset.from_list(FLAT).save_to_disk(tmp_path / "one")
    assert len(load_split(str(tmp_path / "one"), "train")) == len(FLAT)
    with pytest.raises(DataSourceError, match="one split 'train'"):
        load_split(str(tmp_path / "one"), "test")


def test_synthetic_splits_and_sizes():
    small = SyntheticDataConfig(train_pairs=30, test_pairs=7, seed=3)
    assert len(load_split("synthetic", "train", small)) == 30
    assert len(load_split("synthetic", "test", small)) == 7
    with pytest.raises(DataSourceError, match="available splits: test, train"):
        load_split("synthetic", "validation", small)


def test_missing_path_and_unknown_extension(tmp_path):
    with pytest.raises(DataSourceError, match="no such file or directory"):
        load_split(str(tmp_path / "absent.jsonl"), "train")
    with pytest.raises(DataSourceError, match="no such file or directory"):
        load_split("./nowhere/data", "train")
    (tmp_path / "pairs.txt").write_text("hello")
    with pytest.raises(DataSourceError, match=r"unknown extension '\.txt'; allowed: .json, "
                                              r"\.jsonl, \.parquet, \.csv"):
        load_split(str(tmp_path / "pairs.txt"), "train")


def test_single_file_has_only_the_train_split(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", FLAT)
    with pytest.raises(DataSourceError, match="holds one split 'train'; got split 'test'"):
        load_split(str(tmp_path / "a.jsonl"), "test")


def test_unreadable_file_is_a_source_error(tmp_path):
    (tmp_path / "broken.jsonl").write_text('{"prompt": "p", "chosen": \n')
    with pytest.raises(DataSourceError, match="could not read it as json"):
        load_split(str(tmp_path / "broken.jsonl"), "train")


def test_hub_ids_are_recognised_without_network():
    assert source_kind("HuggingFaceH4/ultrafeedback_binarized") == "hub"
    assert source_kind("imdb") == "hub"


# ---- train / eval split mapping -------------------------------------------------------------

def test_single_file_holds_out_eval_fraction(tmp_path):
    rows = [{"prompt": f"p{i}", "chosen": "a", "rejected": "b"} for i in range(40)]
    write_jsonl(tmp_path / "d.jsonl", rows)
    config = DataConfig(source=str(tmp_path / "d.jsonl"), eval_fraction=0.25)  # eval 'test'
    train, held = load_train_eval(config, seed=0)
    assert len(held.indices) == 10 and len(train.indices) == 30
    assert sorted(train.indices + held.indices) == list(range(40))
    # Rows keep their index in the file.
    assert [r["prompt"] for r in held.rows] == [f"p{i}" for i in held.indices]
    assert load_train_eval(config, seed=0)[1].indices == held.indices
    assert load_train_eval(config, seed=1)[1].indices != held.indices
    null_eval = DataConfig(source=str(tmp_path / "d.jsonl"), eval_split=None, eval_fraction=0.25)
    assert load_train_eval(null_eval, seed=0)[1].indices == held.indices


def test_eval_split_can_be_another_file(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", FLAT[:4])
    write_csv(tmp_path / "eval.csv", FLAT[4:])
    config = DataConfig(source=str(tmp_path / "train.jsonl"), eval_split=str(tmp_path / "eval.csv"))
    train, held = load_train_eval(config, seed=0)
    assert train.indices == [0, 1, 2, 3] and held.indices == [0, 1]
    assert [r["prompt"] for r in held.rows] == [r["prompt"] for r in FLAT[4:]]
    typo = DataConfig(source=str(tmp_path / "train.jsonl"), eval_split=str(tmp_path / "evl.csv"))
    with pytest.raises(DataSourceError, match="no such file"):
        load_train_eval(typo, seed=0)


def test_named_splits_and_held_out_for_multi_split_sources():
    config = DataConfig(synthetic=SyntheticDataConfig(train_pairs=20, test_pairs=5))
    train, held = load_train_eval(config, seed=0)
    assert (len(train.rows), len(held.rows)) == (20, 5)
    assert held.indices == [0, 1, 2, 3, 4]
    config.eval_split = None
    train, held = load_train_eval(config, seed=0)
    assert (len(train.rows), len(held.rows)) == (19, 1)
    assert not set(train.indices) & set(held.indices)
