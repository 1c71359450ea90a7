"""Study specs: presets, search-space expansion, validation before Ray, the dry-run plan."""

import subprocess
import sys

import pytest
import yaml

from mo_orpo.config import ConfigError
from study.launch import size_trials
from study.spec import load_spec, spec_from_dict

PAPER_TABLES = [  # (strategy, schedule, w1, w2) of the paper's Tables 1 and 2
    ("baseline", "simultaneous", 1.0, 0.0),
    *[("scalarization", "simultaneous", w, round(1 - w, 10)) for w in (0.9, 0.8, 0.7, 0.6, 0.5)],
    ("conjoined", "simultaneous", 0.7, 0.3),
    ("conditional", "simultaneous", 0.9, 0.1),
    ("scalarization", "epoch_by_epoch", 1.0, 1.0),
    ("scalarization", "task_by_task", 1.0, 1.0),
    ("sj_sft", "simultaneous", 0.6, 0.4),
]


def plan_of(study):
    return [(s["strategy"], s["schedule"], s["w1"], round(s["w2"], 10))
            for s in (t.summary() for t in study.trials)]


@pytest.mark.parametrize("preset", ["tiny", "paper-mistral-7b"])
def test_presets_hold_the_papers_eleven_configurations(preset):
    study = load_spec(preset=preset)
    assert sorted(plan_of(study)) == sorted(PAPER_TABLES)


def test_paper_preset_matches_the_papers_setup():
    study = load_spec(preset="paper-mistral-7b")
    config = study.trials[0].train_config
    assert config["model"]["name_or_path"] == "mistralai/Mistral-7B-v0.1"
    assert config["model"]["dtype"] == "bfloat16"
    assert config["optim"]["lr"] == 5e-6 and config["optim"]["lr_schedule"] == "cosine"
    assert config["epochs"] == 3 and config["loss"]["orpo_lambda"] == 0.1
    assert (config["data"]["max_pair_tokens"], config["data"]["max_sj_tokens"]) == (5500, 6000)
    assert config["data"]["train_split"] == "train_prefs"
    assert study.spec.resources.use_gpu


def test_grids_cross_and_random_draws_are_seeded():
    data = {"name": "s", "variants": [
        {"strategy": "scalarization", "w1": {"grid": [0.9, 0.5]}, "lr": {"loguniform": [1e-5, 1e-3]}},
        {"strategy": "baseline"}],
        "space": {"seed": {"grid": [0, 1, 2]}}, "num_samples": 2}
    study = spec_from_dict(data)
    assert len(study.trials) == 2 * 3 * 2 + 3 * 2  # num_samples repeats every grid point
    lrs = [t.params["lr"] for t in study.trials if "lr" in t.params]
    assert all(1e-5 <= lr <= 1e-3 for lr in lrs) and len(set(lrs)) == len(lrs)
    assert [t.params for t in spec_from_dict(data).trials] == [t.params for t in study.trials]
    other = spec_from_dict({**data, "sampler_seed": 1})
    assert [t.params.get("lr") for t in other.trials] != [t.params.get("lr") for t in study.trials]
    # each trial's full training config carries its parameters
    first = study.trials[0].train_config
    assert first["loss"]["w1"] == 0.9 and first["optim"]["lr"] == study.trials[0].params["lr"]


def test_every_problem_is_reported_at_once_before_ray():
    data = {"name": "bad/name", "variants": [
        {"strategy": "baseline", "w2": 0.3},            # w2 means nothing for baseline
        {"strategy": "scalarization", "w1": 1.7},       # out of range
        {"strategy": "nonsense"},                       # unknown strategy
        {"w3": 0.1},                                    # unknown parameter
        {"lr": {"loguniform": [0, 1]}},                 # bad distribution
    ], "resources": {"workers": 0}, "scheduler": {"type": "hyperband"},
        "objectives": [{"metric": "eval/sj/accuracy", "mode": "up"}]}
    with pytest.raises(ConfigError) as err:
        spec_from_dict(data)
    text = str(err.value)
    for expected in ("resources.workers: got 0", "scheduler.type: got 'hyperband'",
                     "objectives[0].mode: got 'up'"):
        assert expected in text
    data.update(resources={}, scheduler={}, objectives=[{"metric": "m", "mode": "min"}])
    with pytest.raises(ConfigError) as err:
        spec_from_dict(data)
    text = str(err.value)
    for expected in ("name: got 'bad/name'", "variants[0].w2: has no effect with strategy",
                     "loss.w1: got 1.7; must be >= 0 and <= 1",
                     "strategy: got 'nonsense'; allowed values: 'baseline'",
                     "variants[3].w3: unknown parameter",
                     "variants[4].lr.loguniform: got [0, 1]"):
        assert expected in text, expected


def test_concurrency_is_computed_from_the_cluster():
    study = load_spec(preset="tiny")  # 0.9 CPU per worker + 0.1 for the trial driver
    assert size_trials(study, {"CPU": 2.0}).max_concurrent == 2
    assert size_trials(study, {"CPU": 16.0}).max_concurrent == 11   # never more than trials
    gpu = load_spec(preset="paper-mistral-7b")  # 8 workers x (8 CPU, 1 GPU)
    sizing = size_trials(gpu, {"CPU": 4 * 96.0, "GPU": 4 * 8.0})
    assert sizing.max_concurrent == 4 and sizing.gpus_per_trial == 8
    assert size_trials(gpu, {"CPU": 8.0, "GPU": 0.0}).max_concurrent == 1


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "mo_orpo.cli.main", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_dry_run_of_the_paper_preset_prints_its_plan():
    out = run_cli("study", "launch", "--preset", "paper-mistral-7b", "--dry-run")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "11 trials" in lines[0]
    table = [line.split() for line in lines[3:14]]
    assert sorted((r[1], r[2], float(r[3]), float(r[4])) for r in table) == sorted(
        (s, sch, w1, w2) for s, sch, w1, w2 in PAPER_TABLES)
    assert "8 worker(s) x (8 CPU, 1 GPU)" in out.stdout and "nccl" in out.stdout
    assert "(dry run: nothing was started)" in out.stdout


def test_invalid_spec_fails_before_ray_with_every_problem(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump({"name": "x", "variants": [{"strategy": "scalarization",
                                                                "w1": 2}],
                                    "base": {"epochs": 0}}))
    out = run_cli("study", "launch", str(spec))
    assert out.returncode == 2
    assert "loss.w1: got 2" in out.stderr and "epochs: got 0" in out.stderr
    assert "ray.init" not in out.stderr and "Started a local Ray" not in out.stderr


def test_unknown_preset_lists_the_available_ones():
    out = run_cli("study", "launch", "--preset", "huge", "--dry-run")
    assert out.returncode == 2 and "available presets: paper-mistral-7b, tiny" in out.stderr


def test_tiny_preset_trials_have_equal_length_for_asha():
    study = load_spec(preset="tiny")
    assert {t.total_epochs() for t in study.trials} == {2}
    assert study.spec.scheduler.grace_period < 2
