"""A study trial: a Tune function trainable that fits a Ray Train TorchTrainer (Train V2).

Each trial's workers run `mo_orpo.train.train` unchanged, with Ray's hooks: the model is
wrapped for DDP by `ray.train.torch.prepare_model` (gloo on CPU, nccl on GPU), the batches are
sharded by world rank, and metrics, already all-reduced by the loop, are reported with
`ray.train.report`, which `TuneReportCallback` forwards to Tune.

The Train run is named after the Tune trial id, so a trial resumed after its driver died
continues from its own latest checkpoint (Train restores `{storage}/_train/{trial_id}`), and
a worker that dies mid-trial is replaced and restored from the same place (FailureConfig).
"""

from __future__ import annotations

import logging
from typing import Any

import ray
import ray.train
import ray.tune
from ray.train import Checkpoint, CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
from ray.train.torch import TorchConfig, TorchTrainer
from ray.tune.integration.ray_train import TuneReportCallback

TRAIN_RUNS_DIR = "_train"


def worker_loop(loop_config: dict[str, Any]) -> None:
    """Runs on every Train worker: mo_orpo's loop with Ray's hooks."""
    import transformers

    from mo_orpo.config import TrainConfig, build
    from mo_orpo.train import TrainHooks, shard_by_rank, train

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    transformers.utils.logging.disable_progress_bar()
    config = build(TrainConfig, loop_config["train_config"], "training config")
    context = ray.train.get_context()
    hooks = TrainHooks(
        prepare_model=lambda model, device: ray.train.torch.prepare_model(model),
        shard=shard_by_rank(context.get_world_rank(), context.get_world_size()),
        device=ray.train.torch.get_device(),
    )

    def report(metrics: dict[str, Any], checkpoint_dir: str | None) -> None:
        checkpoint = Checkpoint.from_directory(checkpoint_dir) if checkpoint_dir else None
        ray.train.report(metrics, checkpoint=checkpoint)

    checkpoint = ray.train.get_checkpoint()
    if checkpoint is None:
        train(config, report, hooks=hooks)
        return
    with checkpoint.as_directory() as resume_from:
        train(config, report, resume_from=resume_from, hooks=hooks)


def run_trial(config: dict[str, Any], study: dict[str, Any]) -> None:
    """The Tune function trainable: build this trial's TorchTrainer and fit it.

    `config["trial"]` is the trial's plan (`params`, `train_config`); `study` holds the
    settings shared by all trials (storage, resources, checkpoint and failure policy).
    """
    trial_id = ray.tune.get_context().get_trial_id()
    resources = study["resources"]
    worker_resources = {"CPU": resources["cpus_per_worker"]}
    if resources["worker_gpus"]:
        worker_resources["GPU"] = resources["worker_gpus"]
    metric, mode = study["checkpoint_metric"]
    trainer = TorchTrainer(
        worker_loop,
        train_loop_config={"train_config": config["trial"]["train_config"]},
        torch_config=TorchConfig(backend="nccl" if resources["use_gpu"] else "gloo"),
        scaling_config=ScalingConfig(
            num_workers=resources["workers"], use_gpu=resources["use_gpu"],
            resources_per_worker=worker_resources,
            placement_strategy=resources["placement_strategy"]),
        run_config=RunConfig(
            name=trial_id,
            storage_path=f"{study['study_dir']}/{TRAIN_RUNS_DIR}",
            callbacks=[TuneReportCallback()],
            checkpoint_config=CheckpointConfig(
                num_to_keep=study["num_to_keep"], checkpoint_score_attribute=metric,
                checkpoint_score_order=mode),
            failure_config=FailureConfig(max_failures=study["worker_failures"]),
        ),
    )
    trainer.fit()
