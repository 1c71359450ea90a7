"""The results store: round trips on paths and URIs, tables, driver liveness."""

import subprocess
import sys

import pytest

from study.results.store import StudyStore


def record(trial_id, state="running", best=1.0, last=1.2, lr=3e-3):
    return {"trial_id": trial_id, "index": 0, "state": state, "error": None,
            "params": {"w1": 0.6}, "summary": {"strategy": "scalarization", "w1": 0.6, "lr": lr},
            "epochs_done": 2, "steps_done": 20,
            "best": {"epoch": 1.0, "step": 10, "metrics": {"eval/alignment/loss": best, "lr": 1e-4}},
            "last": {"epoch": 2.0, "step": 20, "metrics": {"eval/alignment/loss": last}}}


@pytest.mark.parametrize("as_uri", [False, True], ids=["path", "file-uri"])
def test_round_trip_and_tables(tmp_path, as_uri):
    where = f"file://{tmp_path}/s" if as_uri else str(tmp_path / "s")
    store = StudyStore(where)
    assert not store.exists()
    store.write_study({"name": "s", "objectives": [{"metric": "eval/alignment/loss",
                                                     "mode": "min"}]})
    store.heartbeat()
    store.write_trial(record("t1", state="terminated"))
    store.write_trial(record("t2"))
    first = [{"step": 0, "epoch": 0.0, "train/loss": 3.0}, {"step": 2, "epoch": 0.1, "train/loss": 2.5}]
    store.append_curve("t1", first[:1], first[:1])
    store.append_curve("t1", first[1:], first)
    # a resumed trial repeats step 2: the table keeps the latest report of each step
    store.append_curve("t1", [{"step": 2, "epoch": 0.1, "train/loss": 2.4}], first)

    table = StudyStore(where).trials_table().set_index("trial_id")
    assert table.loc["t1", "state"] == "terminated" and table.loc["t2", "state"] == "running"
    assert table.loc["t1", "eval/alignment/loss"] == 1.0          # the best epoch's value
    assert table.loc["t1", "last/eval/alignment/loss"] == 1.2
    assert table.loc["t1", "lr"] == 3e-3                           # the hyperparameter wins
    curves = store.curves_table()
    assert curves["step"].tolist() == [0, 2] and curves["train/loss"].tolist() == [3.0, 2.4]
    assert len(store.read_curve("t1")) == 3                        # the raw file keeps all


def test_a_dead_driver_reads_as_dead_at_once(tmp_path):
    store = StudyStore(str(tmp_path / "s"))
    store.write_study({"name": "s", "objectives": []})
    child = subprocess.run(
        [sys.executable, "-c", "from study.results.store import StudyStore; "
         f"StudyStore({str(tmp_path / 's')!r}).heartbeat()"], capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    store.write_trial(record("t1"))
    assert not store.driver_alive()          # its process is gone, heartbeat or not
    assert store.trials_table()["state"].tolist() == ["interrupted"]
    store.heartbeat()
    assert store.driver_alive() and store.trials_table()["state"].tolist() == ["running"]


def test_missing_study_names_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="check the study name and --storage"):
        StudyStore(str(tmp_path / "nope")).read_study()
