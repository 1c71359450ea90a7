"""The training loop: one function, `train`, for a plain process and for Ray Train workers.

    train(config, report, resume_from=None, hooks=None) -> TrainResult

It never imports Ray. A launcher passes `hooks` (prepare the model, e.g. wrap DDP; shard the
batches; the assigned device) and a `report(metrics, checkpoint_dir)` callback, which every
worker calls the same number of times (Ray's `ray.train.report` is a barrier); only the main
worker passes a checkpoint directory, which is deleted once `report` returns.

Reports happen before the first step (evaluation only), every `log_every_steps`, at
evaluations (`eval_every_steps`), at checkpoints (`checkpoint_every_steps`, each epoch end,
the last step; every checkpoint is evaluated too). Epoch-end reports carry `epoch_end: True`.
Train metrics are means over the steps since the previous report.
"""

from __future__ import annotations

import contextlib
import logging
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from mo_orpo.config import TrainConfig, to_dict
from mo_orpo.data import prepare_data
from mo_orpo.errors import UserError
from mo_orpo.losses import get_strategy, step_loss
from mo_orpo.model import ChatFormatter, load_model, load_tokenizer, resolve_device, unwrap
from mo_orpo.train.batching import (
    concat_batches,
    epoch_batches,
    eval_batches,
    pack,
    tokenize_examples,
)
from mo_orpo.train.checkpoint import TrainState, load_checkpoint, save_checkpoint
from mo_orpo.train.distributed import TrainHooks, is_main_process
from mo_orpo.train.forward import pair_terms, split_terms
from mo_orpo.train.metrics import TASK_METRICS, TASKS, MeanMeter, all_reduce_sum
from mo_orpo.train.optim import build_optimizer
from mo_orpo.train.schedules import get_schedule

log = logging.getLogger(__name__)

ReportFn = Callable[[dict[str, Any], "str | None"], None]


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite; training stops rather than corrupting the weights."""


@dataclass
class TrainResult:
    metrics: dict[str, Any]                       # the last report
    state: TrainState
    history: list[dict[str, Any]] = field(default_factory=list)


def train(config: TrainConfig, report: ReportFn, resume_from: str | None = None,
          hooks: TrainHooks | None = None) -> TrainResult:
    """Train `config` to the end (or `max_steps`), reporting as described in the module doc.

    `resume_from` is a checkpoint directory written by an earlier run of the same config: the
    run continues from its exact position and ends with the same metrics as an uninterrupted
    run (same device and worker count).
    """
    run = _Run(config, hooks or TrainHooks())
    if resume_from:
        run.state = load_checkpoint(resume_from, run.model, run.optimizer, run.scheduler)
        log.info("resumed from %s at epoch %d, step %d", resume_from, run.state.epoch,
                 run.state.step)
    return run.fit(report)


class _Run:
    """The state of one training run; `train` is its only public door."""

    def __init__(self, config: TrainConfig, hooks: TrainHooks) -> None:
        self.config, self.hooks = config, hooks
        torch.manual_seed(config.seed)
        self.tokenizer = load_tokenizer(config.model)
        formatter = ChatFormatter(self.tokenizer)
        data = prepare_data(config.data, formatter)  # logs its summary
        for split, pairs in (("training", data.train), ("evaluation", data.eval)):
            if not pairs:
                raise UserError(f"no {split} pairs left after validation and length filtering "
                                f"({data.stats.summary()}); check data.source, the splits "
                                "and data.max_pair_tokens / data.max_sj_tokens")
        self.train_rows = {"alignment": tokenize_examples(formatter, data.train),
                           "sj": tokenize_examples(formatter, data.train_sj)}
        self.eval_rows = {"alignment": tokenize_examples(formatter, data.eval),
                          "sj": tokenize_examples(formatter, data.eval_sj)}
        self.device = resolve_device(config.model.device, hooks.device)
        model = load_model(config.model, self.tokenizer, config.seed)
        self.compute_dtype = next(model.parameters()).dtype
        self.model = hooks.prepare_model(model, self.device)
        self.schedule = get_schedule(config.loss.schedule)
        self.strategy = get_strategy(config.loss.strategy)
        self.total_epochs = self.schedule.total_epochs(config.epochs)
        self.steps_per_epoch = math.ceil(len(self._batches(0)) / config.optim.grad_accum_steps)
        if self.steps_per_epoch == 0:
            raise UserError(f"{len(data.train)} training pairs make no batch for every worker; "
                            "lower batch_size or use fewer workers")
        planned = self.total_epochs * self.steps_per_epoch
        self.total_steps = min(planned, config.max_steps) if config.max_steps else planned
        self.optimizer, self.scheduler = build_optimizer(self.model, config.optim,
                                                         self.total_steps)
        self.state = TrainState()
        self.meter = MeanMeter()
        self._window_start = time.perf_counter()
        self._window_tokens = self._window_positions = 0
        self._nonfinite_in_a_row = 0

    # ---------------------------------------------------------------- data order

    def _tasks(self, epoch: int) -> tuple[str, ...]:
        if not self.strategy.trains_sj:  # baseline: SJ is only evaluated
            return ("alignment",)
        return self.schedule.tasks_for_epoch(epoch, self.config.epochs,
                                             self.config.loss.task_order)

    def _batches(self, epoch: int) -> list[list[int]]:
        layout = self.config.forward_layout
        tasks = self._tasks(epoch)
        lengths = [max(self.train_rows[t][i].row_length(layout) for t in tasks)
                   for i in range(len(self.train_rows["alignment"]))]
        batches = epoch_batches(lengths, self.config.batch_size, self.config.seed, epoch,
                                self.config.group_by_length)
        return self.hooks.shard(batches, True)

    # ---------------------------------------------------------------- the loop

    def fit(self, report: ReportFn) -> TrainResult:
        history: list[dict[str, Any]] = []
        last: dict[str, Any] = {}
        accum = self.config.optim.grad_accum_steps
        if self.state.step == 0:  # where training starts from, for the curves
            last = self._report_start(report)
            history.append(last)
        self.model.train()
        while self.state.epoch < self.total_epochs and self.state.step < self.total_steps:
            epoch = self.state.epoch
            tasks, batches = self._tasks(epoch), self._batches(epoch)
            while self.state.batch < len(batches) and self.state.step < self.total_steps:
                group = batches[self.state.batch: self.state.batch + accum]
                self._optimizer_step(group, tasks)
                self.state.batch += len(group)
                epoch_end = self.state.batch >= len(batches)
                if epoch_end:
                    self.state.epoch, self.state.batch = epoch + 1, 0
                metrics = self._maybe_report(report, epoch_end, len(batches))
                if metrics:
                    history.append(metrics)
                    last = metrics
                if epoch_end:
                    break
        return TrainResult(last, self.state, history)

    def _optimizer_step(self, group: list[list[int]], tasks: tuple[str, ...]) -> None:
        for j, indices in enumerate(group):
            last_micro = j == len(group) - 1
            sync = contextlib.nullcontext() if last_micro or not hasattr(self.model, "no_sync") \
                else self.model.no_sync()
            with sync:
                self._micro_step(indices, tasks, scale=1.0 / len(group))
        if self._nonfinite_in_a_row:
            self.optimizer.zero_grad(set_to_none=True)
        else:
            if self.config.optim.max_grad_norm:
                norm = torch.nn.utils.clip_grad_norm_(
                    [p for p in self.model.parameters() if p.requires_grad],
                    self.config.optim.max_grad_norm)
                self.meter.add_scalar("train/grad_norm", float(norm))
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        self.scheduler.step()
        self.state.step += 1

    def _micro_step(self, indices: list[int], tasks: tuple[str, ...], scale: float) -> None:
        cfg = self.config
        pad = self.tokenizer.pad_token_id
        parts = [pack([self.train_rows[t][i] for i in indices], cfg.forward_layout, pad,
                      cfg.loss.sft_on_prompt) for t in tasks]
        batch = concat_batches(parts, pad).to(self.device)
        terms = split_terms(pair_terms(self.model, batch, cfg.loss.sft_on_prompt,
                                       self.compute_dtype), [len(indices)] * len(tasks))
        by_task = dict(zip(tasks, terms))
        out = step_loss(cfg.loss, tasks, by_task.get("alignment"), by_task.get("sj"))
        loss = out.loss.mean()
        if not self._loss_is_finite(loss, by_task):
            return
        (loss * scale).backward()
        self.meter.add("train/loss", out.loss)
        for task, task_terms in by_task.items():
            self.meter.add_task(f"train/{task}", task_terms, cfg.loss.orpo_lambda)
        if out.sj_active is not None:
            self.meter.add("train/sj_active_fraction", out.sj_active)
        self._window_tokens += batch.real_tokens
        self._window_positions += batch.computed_positions
        self.state.tokens += batch.real_tokens

    def _loss_is_finite(self, loss: torch.Tensor, by_task: dict) -> bool:
        bad = all_reduce_sum(float(not torch.isfinite(loss.detach())), self.device) > 0
        if not bad:
            self._nonfinite_in_a_row = 0
            return True
        self._nonfinite_in_a_row += 1
        if self._nonfinite_in_a_row > self.config.max_nonfinite_steps:
            parts = {t: float(v.detach().orpo_loss(self.config.loss.orpo_lambda).mean())
                     for t, v in by_task.items()}
            raise NonFiniteLossError(
                f"non-finite loss at step {self.state.step + 1} (epoch {self.state.epoch}): "
                f"loss {loss.item()}, per-task ORPO losses {parts}. Lower optim.lr, set "
                "optim.max_grad_norm, use model.dtype bfloat16 rather than float16, or raise "
                "max_nonfinite_steps to skip such steps")
        log.warning("skipping step %d: non-finite loss", self.state.step + 1)
        return False

    # ---------------------------------------------------------------- reporting

    def _maybe_report(self, report: ReportFn, epoch_end: bool,
                      batches_in_epoch: int) -> dict[str, Any] | None:
        cfg, step = self.config, self.state.step
        last = step >= self.total_steps
        do_ckpt = epoch_end or last or bool(
            cfg.checkpoint_every_steps and step % cfg.checkpoint_every_steps == 0)
        # every checkpoint is evaluated, so "the best checkpoint" is always defined
        do_eval = do_ckpt or bool(cfg.eval_every_steps and step % cfg.eval_every_steps == 0)
        if not (do_eval or do_ckpt or step % cfg.log_every_steps == 0):
            return None
        metrics = self._train_metrics()
        if do_eval:
            metrics.update(self.evaluate())
        metrics.update(step=step, total_steps=self.total_steps, epoch_end=epoch_end,
                       epoch=self.state.epoch + self.state.batch / batches_in_epoch,
                       lr=self.scheduler.get_last_lr()[0])
        checkpoint_dir = None
        if do_ckpt and is_main_process():
            checkpoint_dir = save_checkpoint(
                tempfile.mkdtemp(prefix="mo-orpo-checkpoint-"), self.model, self.optimizer,
                self.scheduler, self.state, to_dict(cfg), self.tokenizer)
        try:
            report(metrics, checkpoint_dir)
        finally:
            if checkpoint_dir:
                shutil.rmtree(checkpoint_dir, ignore_errors=True)
        return metrics

    def _report_start(self, report: ReportFn) -> dict[str, Any]:
        metrics = self.evaluate()
        metrics.update(step=0, total_steps=self.total_steps, epoch_end=False, epoch=0.0,
                       lr=self.scheduler.get_last_lr()[0])
        report(metrics, None)
        return metrics

    def _train_metrics(self) -> dict[str, Any]:
        metrics = self.meter.means(self.device)
        elapsed = time.perf_counter() - self._window_start
        tokens = all_reduce_sum(self._window_tokens, self.device)
        positions = all_reduce_sum(self._window_positions, self.device)
        metrics["tokens_per_s"] = tokens / elapsed if elapsed > 0 else 0.0
        metrics["padding_efficiency"] = tokens / positions if positions else 1.0
        self.meter = MeanMeter()
        self._window_start = time.perf_counter()
        self._window_tokens = self._window_positions = 0
        return metrics

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """`eval/{alignment,sj}/*` on the held-out pairs, sharded over workers, all-reduced."""
        cfg = self.config
        model = unwrap(self.model)  # no DDP collectives: workers may hold unequal shards
        was_training = model.training
        model.eval()
        meter = MeanMeter()
        for task in TASKS:
            for name in TASK_METRICS:  # every worker reduces the same names
                meter.add_scalar(f"eval/{task}/{name}", 0.0, 0.0)
            rows = self.eval_rows[task]
            lengths = [r.row_length(cfg.forward_layout) for r in rows]
            for indices in self.hooks.shard(eval_batches(lengths, cfg.eval_batch_size), False):
                batch = pack([rows[i] for i in indices], cfg.forward_layout,
                             self.tokenizer.pad_token_id, cfg.loss.sft_on_prompt)
                terms = pair_terms(model, batch.to(self.device), cfg.loss.sft_on_prompt,
                                   self.compute_dtype)
                meter.add_task(f"eval/{task}", terms, cfg.loss.orpo_lambda)
        model.train(was_training)
        return meter.means(self.device)
