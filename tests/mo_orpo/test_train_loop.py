"""The training loop: exact resume, metric names, the non-finite guard, schedules."""

import math
import shutil

import pytest
import torch

from mo_orpo.config import load_train_config
from mo_orpo.train import NonFiniteLossError, TrainHooks, train
from mo_orpo.train.metrics import TASK_METRICS

SMALL = [
    "data.synthetic.train_pairs=96", "data.synthetic.test_pairs=24", "batch_size=8",
    "eval_batch_size=16", "epochs=2", "log_every_steps=2", "eval_every_steps=6",
    "checkpoint_every_steps=5", "optim.lr=3e-3",
]
TIMING = {"tokens_per_s"}


def small_config(*extra: str):
    return load_train_config(overrides=SMALL + list(extra))


class Recorder:
    """A report callback that keeps every report and copies chosen checkpoints."""

    def __init__(self, keep_dir=None, crash_after_step=None):
        self.reports, self.checkpoints = [], {}
        self.keep_dir, self.crash_after_step = keep_dir, crash_after_step

    def __call__(self, metrics, checkpoint_dir):
        self.reports.append(dict(metrics))
        if checkpoint_dir and self.keep_dir is not None:
            target = self.keep_dir / f"step-{metrics['step']}"
            shutil.copytree(checkpoint_dir, target)
            self.checkpoints[metrics["step"]] = str(target)
            if self.crash_after_step is not None and metrics["step"] >= self.crash_after_step:
                raise KeyboardInterrupt("simulated crash after a checkpoint")


def assert_same_reports(resumed, uninterrupted):
    assert [r["step"] for r in resumed] == [r["step"] for r in uninterrupted]
    for got, want in zip(resumed, uninterrupted):
        assert got.keys() == want.keys()
        for key in want.keys() - TIMING:
            if isinstance(want[key], float):
                assert got[key] == pytest.approx(want[key], rel=1e-6, abs=1e-6), (got["step"], key)
            else:
                assert got[key] == want[key], key


@pytest.mark.parametrize("extra", [
    ["loss.strategy=conditional", "loss.w1=0.9", "loss.w2=0.1"],
    ["loss.strategy=conjoined", "loss.w1=0.7", "model.lora.enabled=true", "model.lora.r=4",
     "model.lora.dropout=0.1", "optim.grad_accum_steps=2", "checkpoint_every_steps=3"],
], ids=["conditional-full", "conjoined-lora-dropout-accum"])
def test_resume_after_a_crash_ends_with_the_same_metrics(tmp_path, extra):
    config = small_config(*extra)
    full = Recorder()
    train(config, full)

    crashed = Recorder(keep_dir=tmp_path, crash_after_step=5)
    with pytest.raises(KeyboardInterrupt):
        train(config, crashed)
    step, checkpoint = max(crashed.checkpoints.items())
    assert 0 < step < full.reports[-1]["step"]

    resumed = Recorder()
    train(config, resumed, resume_from=checkpoint)
    assert resumed.reports[0]["step"] > step  # it continued, it did not start over
    assert_same_reports(resumed.reports, [r for r in full.reports if r["step"] > step])


def test_reports_carry_every_documented_metric():
    rec = Recorder()
    train(small_config("loss.strategy=scalarization", "loss.w1=0.6"), rec)
    eval_report = rec.reports[-1]
    for task in ("alignment", "sj"):
        for name in TASK_METRICS:
            assert math.isfinite(eval_report[f"eval/{task}/{name}"])
            assert math.isfinite(eval_report[f"train/{task}/{name}"])
    for key in ("lr", "epoch", "step", "tokens_per_s", "padding_efficiency", "train/loss"):
        assert key in eval_report
    assert 0 < eval_report["padding_efficiency"] <= 1
    assert eval_report["epoch_end"] is True and eval_report["epoch"] == 2.0
    assert rec.reports[0]["step"] == 0 and "eval/alignment/accuracy" in rec.reports[0]
    assert sum(r["epoch_end"] for r in rec.reports) == 2


def test_baseline_trains_alignment_only_and_still_evaluates_sj():
    rec = Recorder()
    train(small_config("epochs=1"), rec)
    last = rec.reports[-1]
    assert "train/alignment/loss" in last and "train/sj/loss" not in last
    assert "eval/sj/accuracy" in last


def test_epoch_by_epoch_alternates_tasks_and_runs_twice_the_epochs():
    rec = Recorder()
    train(small_config("epochs=1", "loss.strategy=scalarization", "loss.w1=1.0",
                       "loss.w2=1.0", "loss.schedule=epoch_by_epoch",
                       "loss.task_order=[sj, alignment]"), rec)
    ends = [r for r in rec.reports if r["epoch_end"]]
    assert [r["epoch"] for r in ends] == [1.0, 2.0]
    assert "train/sj/loss" in ends[0] and "train/alignment/loss" not in ends[0]
    assert "train/alignment/loss" in ends[1] and "train/sj/loss" not in ends[1]


def test_non_finite_loss_stops_with_a_clear_error():
    def poisoned(model, device):
        with torch.no_grad():
            next(model.parameters()).fill_(float("nan"))
        return model.to(device)

    with pytest.raises(NonFiniteLossError, match="non-finite loss at step 1"):
        train(small_config(), Recorder(), hooks=TrainHooks(prepare_model=poisoned))


def test_sft_on_prompt_and_separate_layout_train():
    rec = Recorder()
    train(small_config("epochs=1", "forward_layout=separate", "loss.sft_on_prompt=true",
                       "max_steps=4"), rec)
    assert rec.reports[-1]["step"] == 4 and math.isfinite(rec.reports[-1]["train/loss"])
