"""The training configuration: one typed tree, validated completely before a model is loaded.

Defaults train the embedded default (the tiny model on the built-in synthetic data) on a
laptop CPU in about a minute. The `paper-mistral-7b` study preset shows the paper's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mo_orpo.config.schema import build, deep_merge, load_yaml, option, parse_overrides

Task = Literal["alignment", "sj"]


# The allowed names come from the registries themselves (imported late: they import this module).
def _strategy_names() -> list[str]:
    from mo_orpo.losses.strategies import STRATEGIES
    return list(STRATEGIES)


def _schedule_names() -> list[str]:
    from mo_orpo.train.schedules import SCHEDULES
    return list(SCHEDULES)


@dataclass
class SyntheticDataConfig:
    """Size of the built-in synthetic preference dataset (`data.source: synthetic`)."""

    train_pairs: int = option(1200, help="pairs in the synthetic train split", ge=1)
    test_pairs: int = option(200, help="pairs in the synthetic test split", ge=1)
    seed: int = option(0, help="seed of the synthetic generator (independent of training seed)")
    verbose_trap_rate: float = option(0.3, help=(
        "share of pairs whose worse response is a padded, verbose wrong answer"), ge=0, le=1)


@dataclass
class DataConfig:
    source: str = option("synthetic", help=(
        "'synthetic' (built-in, no download), a Hugging Face hub id, a saved dataset "
        "directory, or a local .json/.jsonl/.parquet/.csv file"))
    train_split: str = option("train", help="split used for training (e.g. train_prefs)")
    eval_split: str | None = option("test", help=(
        "split used for held-out evaluation (e.g. test_prefs), or the path of a local file; "
        "null, or a single-file source, holds out `eval_fraction` of the train split instead"))
    eval_fraction: float = option(0.05, help="held-out fraction when eval_split is null",
                                  gt=0, lt=1)
    max_train_pairs: int | None = option(None, help="use at most this many train pairs", ge=1)
    max_eval_pairs: int | None = option(200, help="evaluate on at most this many pairs", ge=1)
    on_bad_row: Literal["skip", "error"] = option("skip", help=(
        "'skip' drops invalid rows and counts them by reason; 'error' stops at the first "
        "invalid row, naming its index, field and reason"))
    max_pair_tokens: int = option(5500, help=(
        "drop pairs whose prompt plus both responses exceed this many model tokens"), ge=1)
    max_sj_tokens: int = option(6000, help=(
        "drop pairs whose self-judgment prompt exceeds this many model tokens"), ge=1)
    rejected_first_rate: float = option(0.55, help=(
        "fraction of self-judgment prompts that show the rejected response first"), ge=0, le=1)
    seed: int = option(0, help=(
        "data seed: self-judgment templates and orders, held-out eval rows, max_*_pairs "
        "subsets. Independent of the training seed, so trials that sweep `seed` train and "
        "evaluate on the same data"))
    synthetic: SyntheticDataConfig = option(default_factory=SyntheticDataConfig,
                                            help="built-in synthetic dataset")


@dataclass
class TinyModelConfig:
    """Shape of the embedded default: a random Llama built from a config, byte tokens."""

    hidden_size: int = option(64, help="width", ge=8)
    intermediate_size: int = option(192, help="MLP width", ge=8)
    num_layers: int = option(2, help="decoder layers", ge=1)
    num_heads: int = option(4, help="attention heads", ge=1)
    num_kv_heads: int = option(2, help="key/value heads (grouped-query attention)", ge=1)
    max_positions: int = option(8192, help="maximum sequence length", ge=16)

    def problems(self) -> list[str]:
        out = []
        if self.hidden_size % self.num_heads:
            out.append(f"hidden_size: {self.hidden_size} is not divisible by num_heads "
                       f"{self.num_heads}")
        if self.num_heads % self.num_kv_heads:
            out.append(f"num_kv_heads: {self.num_kv_heads} must divide num_heads "
                       f"{self.num_heads}")
        return out


@dataclass
class LoraConfig:
    enabled: bool = option(False, help="train a LoRA adapter instead of all weights")
    r: int = option(16, help="LoRA rank", ge=1)
    alpha: float = option(32.0, help="LoRA alpha (scale = alpha / r)", gt=0)
    dropout: float = option(0.05, help="dropout on the LoRA input", ge=0, lt=1)
    target_modules: list[str] = option(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        help="module names to adapt ('all-linear' as the only entry adapts every linear layer)")


@dataclass
class ModelConfig:
    name_or_path: str = option("tiny", help=(
        "'tiny' (embedded default, no download), a Hugging Face hub id or a local path"))
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = option("float32", help=(
        "parameter dtype; 'auto' uses the checkpoint's. Log-odds are always computed in fp32"))
    device: str = option("auto", help=(
        "'auto' (the device the launcher assigns, else cuda if available, else cpu), 'cpu', "
        "'cuda', 'cuda:N' or 'mps'"))
    attn_implementation: str | None = option(None, help=(
        "transformers attn_implementation (null: library default). The shared_prompt layout "
        "needs one that accepts a 4D mask (eager or sdpa)"))
    gradient_checkpointing: bool = option(False, help="recompute activations in backward")
    trust_remote_code: bool = option(False, help="allow code from the model repository")
    revision: str | None = option(None, help="hub revision (branch, tag or commit)")
    lora: LoraConfig = option(default_factory=LoraConfig, help="optional LoRA adapter")
    tiny: TinyModelConfig = option(default_factory=TinyModelConfig,
                                   help="shape of the embedded default model")

    def problems(self) -> list[str]:
        device = self.device
        ok = device in ("auto", "cpu", "cuda", "mps") or (
            device.startswith("cuda:") and device[5:].isdigit())
        return [] if ok else [f"device: got {device!r}; allowed: 'auto', 'cpu', 'cuda', "
                              "'cuda:N', 'mps'"]


@dataclass
class LossConfig:
    strategy: str = option("baseline", choices=_strategy_names, help=(
        "how the alignment (A) and self-judgment (SJ) losses combine: baseline (L_A), "
        "scalarization (w1 L_A + w2 L_SJ, Eq. 5), conjoined (Eq. 6), conditional "
        "(Algorithm 1), sj_sft (w1 L_A + w2 SFT on the SJ label)"))
    w1: float = option(1.0, help="weight of the alignment loss", ge=0, le=1)
    w2: float | None = option(None, help="weight of the SJ loss (null: 1 - w1)", ge=0, le=1)
    orpo_lambda: float = option(0.1, help="lambda of L_ORPO = L_SFT + lambda L_OR (Eq. 4)",
                                ge=0)
    sft_on_prompt: bool = option(False, help=(
        "include prompt tokens in L_SFT (default: response tokens only, as ORPO and TRL do)"))
    conditional_granularity: Literal["example", "batch"] = option("example", help=(
        "Algorithm 1's test 'SJ log-odds ratio < 0' per pair (default: independent of batch "
        "size and sharding) or on the batch mean"))
    schedule: str = option("simultaneous", choices=_schedule_names, help=(
        "simultaneous (both tasks every step), epoch_by_epoch (alternate the task each "
        "epoch), task_by_task (all epochs of task_order[0], then all of the other). The "
        "sequential schedules give each task `epochs` passes, so they run 2 x epochs epochs"))
    task_order: list[Task] = option(default_factory=lambda: ["alignment", "sj"], help=(
        "which task comes first in epoch_by_epoch and task_by_task"))

    @property
    def sj_weight(self) -> float:
        """w2: given, or 1 - w1 (Eq. 5)."""
        return self.w2 if self.w2 is not None else 1.0 - self.w1

    def problems(self) -> list[str]:
        out = []
        if sorted(self.task_order) != ["alignment", "sj"]:
            out.append(f"task_order: got {self.task_order!r}; must name 'alignment' and 'sj' "
                       "once each")
        if self.strategy == "baseline" and self.schedule == "simultaneous" and self.w1 != 1.0:
            out.append(f"w1: got {self.w1} with strategy 'baseline'; baseline trains L_A alone "
                       "(w1 = 1); use 'scalarization' to weight the tasks")
        if self.schedule != "simultaneous":
            if self.strategy in ("baseline", "conjoined", "conditional"):
                out.append(f"schedule: {self.schedule!r} trains one task per epoch, which "
                           f"strategy {self.strategy!r} cannot do; use 'scalarization' (SJ "
                           "trained with ORPO) or 'sj_sft' (SJ trained with SFT), e.g. with "
                           "w1 = w2 = 1 as in the paper's Table 2")
            elif self.w1 == 0 or self.sj_weight == 0:
                out.append(f"w2: schedule {self.schedule!r} trains each task in its own epochs "
                           f"but w1 = {self.w1} and w2 = {self.sj_weight} leave one task with "
                           "weight 0; set both above 0 (the paper uses w1 = w2 = 1)")
        return out


@dataclass
class OptimConfig:
    lr: float = option(3e-3, help="peak learning rate of AdamW", gt=0)
    weight_decay: float = option(0.0, help="AdamW weight decay", ge=0)
    betas: list[float] = option(default_factory=lambda: [0.9, 0.999], help="AdamW betas")
    eps: float = option(1e-8, help="AdamW epsilon", gt=0)
    lr_schedule: Literal["cosine", "linear", "constant"] = option(
        "cosine", help="decay after warmup")
    warmup_ratio: float = option(0.05, help="fraction of optimizer steps spent warming up",
                                 ge=0, lt=1)
    grad_accum_steps: int = option(1, help="micro-batches per optimizer step", ge=1)
    max_grad_norm: float | None = option(1.0, help="clip the gradient norm (null: no clip)",
                                         gt=0)

    def problems(self) -> list[str]:
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            return [f"betas: got {self.betas!r}; expected two numbers in [0, 1)"]
        return []


@dataclass
class TrainConfig:
    data: DataConfig = option(default_factory=DataConfig, help="preference data")
    model: ModelConfig = option(default_factory=ModelConfig, help="model and tokenizer")
    loss: LossConfig = option(default_factory=LossConfig, help="losses and strategy")
    optim: OptimConfig = option(default_factory=OptimConfig, help="optimizer and schedule")
    epochs: int = option(3, help="passes over the training pairs", ge=1)
    max_steps: int | None = option(None, help="stop after this many optimizer steps", ge=1)
    batch_size: int = option(16, help="pairs per micro-batch per worker", ge=1)
    eval_batch_size: int = option(32, help="pairs per evaluation batch", ge=1)
    eval_every_steps: int | None = option(None, help=(
        "evaluate every N optimizer steps (and always at each epoch end)"), ge=1)
    log_every_steps: int = option(10, help="report train metrics every N optimizer steps", ge=1)
    checkpoint_every_steps: int | None = option(None, help=(
        "checkpoint every N optimizer steps (and always at each epoch end)"), ge=1)
    forward_layout: Literal["shared_prompt", "separate"] = option("shared_prompt", help=(
        "shared_prompt: one row [prompt, chosen, rejected] per pair with a 4D mask so the "
        "prompt is computed once; separate: two padded rows per pair (works with any "
        "attention kernel, e.g. flash attention)"))
    group_by_length: bool = option(True, help="batch pairs of similar length to cut padding")
    seed: int = option(0, help="seed of model init (tiny), data order and dropout")
    max_nonfinite_steps: int = option(0, help=(
        "stop with an error after more than N consecutive non-finite losses"), ge=0)

    def problems(self) -> list[str]:
        if self.data.max_sj_tokens > self.model.tiny.max_positions and \
                self.model.name_or_path == "tiny":
            return [f"data.max_sj_tokens: {self.data.max_sj_tokens} exceeds the tiny model's "
                    f"model.tiny.max_positions {self.model.tiny.max_positions}; lower one or "
                    "raise the other"]
        return []


EMBEDDED_DEFAULT = str(Path(__file__).with_name("embedded_default.yaml"))


def load_train_config(path: str | None = None, overrides: list[str] | None = None,
                      base: dict[str, Any] | None = None) -> TrainConfig:
    """Merge `base`, the YAML file at `path` and `--set` overrides, then validate everything."""
    data: dict[str, Any] = dict(base or {})
    if path:
        data = deep_merge(data, load_yaml(path))
    if overrides:
        data = deep_merge(data, parse_overrides(overrides))
    return build(TrainConfig, data, "training config")
