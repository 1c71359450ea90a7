"""`mo-orpo train [CONFIG.yaml] [--set key=value ...] [--output-dir DIR] [--resume CKPT]`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from typing import Any, TextIO

import yaml

from mo_orpo.config import TrainConfig, load_train_config, to_dict
from mo_orpo.config.train import EMBEDDED_DEFAULT

KEEP_CHECKPOINTS = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="run one training locally (no config: the embedded default)",
        description="Train one model. With no CONFIG the tiny embedded default trains on the "
                    "built-in synthetic preference data (no download, one to two minutes on a "
                    "CPU).")
    parser.add_argument("config", nargs="?", metavar="CONFIG.yaml",
                        help="training config (YAML); omitted: the embedded default "
                        "(mo_orpo/config/embedded_default.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a field, e.g. --set loss.w1=0.6 "
                        "(repeatable; values are YAML)")
    parser.add_argument("--output-dir", default=None, help=(
        "where metrics.jsonl, checkpoints/ and final/ go (default: runs/train-<time>)"))
    parser.add_argument("--resume", default=None, metavar="CHECKPOINT",
                        help="continue exactly from a checkpoint directory of the same config")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # every problem is reported here, before any model loads
    config = load_train_config(args.config or EMBEDDED_DEFAULT, args.overrides)
    output_dir = args.output_dir or os.path.join("runs", time.strftime("train-%Y%m%d-%H%M%S"))
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "config.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(to_dict(config), fh, sort_keys=False)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    import transformers

    from mo_orpo.train import train  # torch and transformers load only after validation

    transformers.utils.logging.disable_progress_bar()

    reporter = LocalReporter(output_dir, config, None if args.quiet else sys.stdout)
    result = train(config, reporter, resume_from=args.resume)
    reporter.finish()
    summary = {k: result.metrics.get(k) for k in
               ("eval/alignment/accuracy", "eval/sj/accuracy", "eval/alignment/loss",
                "eval/sj/loss")}
    print(f"done: {result.state.step} steps in {reporter.elapsed():.0f}s; "
          + ", ".join(f"{k} {v:.4f}" for k, v in summary.items() if v is not None))
    print(f"metrics: {reporter.metrics_path}\nfinal checkpoint: {reporter.final_dir}")
    return 0


class LocalReporter:
    """The `report` callback of a local run: metrics.jsonl, checkpoints, progress lines."""

    def __init__(self, output_dir: str, config: TrainConfig, out: TextIO | None) -> None:
        self.output_dir, self.config, self.out = output_dir, config, out
        self.metrics_path = os.path.join(output_dir, "metrics.jsonl")
        self.checkpoints_dir = os.path.join(output_dir, "checkpoints")
        self.final_dir = os.path.join(output_dir, "final")
        self._metrics = open(self.metrics_path, "a", encoding="utf-8")
        self._start = time.perf_counter()
        self._last_checkpoint: str | None = None

    def __call__(self, metrics: dict[str, Any], checkpoint_dir: str | None) -> None:
        self._metrics.write(json.dumps(metrics) + "\n")
        self._metrics.flush()
        if checkpoint_dir:
            self._keep_checkpoint(checkpoint_dir, metrics["step"])
        if self.out:
            self.out.write(progress_line(metrics, self.elapsed()) + "\n")
            self.out.flush()

    def _keep_checkpoint(self, source: str, step: int) -> None:
        target = os.path.join(self.checkpoints_dir, f"step-{step:07d}")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
        self._last_checkpoint = target
        for old in sorted(os.listdir(self.checkpoints_dir))[:-KEEP_CHECKPOINTS]:
            shutil.rmtree(os.path.join(self.checkpoints_dir, old), ignore_errors=True)

    def finish(self) -> None:
        self._metrics.close()
        if self._last_checkpoint:
            shutil.rmtree(self.final_dir, ignore_errors=True)
            shutil.copytree(self._last_checkpoint, self.final_dir)

    def elapsed(self) -> float:
        return time.perf_counter() - self._start


def progress_line(metrics: dict[str, Any], elapsed: float) -> str:
    """`step 40/225 | epoch 0.53 | loss 1.2345 | acc A 0.62 SJ 0.55 | 850 tok/s | 0:42 left`."""
    step, total = metrics["step"], metrics["total_steps"]
    parts = [f"step {step}/{total}", f"epoch {metrics['epoch']:.2f}"]
    if "train/loss" in metrics:
        parts.append(f"loss {metrics['train/loss']:.4f}")
    if "eval/alignment/accuracy" in metrics:
        parts.append(f"eval acc A {metrics['eval/alignment/accuracy']:.3f} "
                     f"SJ {metrics['eval/sj/accuracy']:.3f}")
    if "tokens_per_s" in metrics:
        parts.append(f"{metrics['tokens_per_s']:.0f} tok/s")
    left = elapsed / step * (total - step) if step else 0.0
    parts.append(f"{int(left // 60)}:{int(left % 60):02d} left")
    return " | ".join(parts)
