"""Metric names and their accumulation across micro-batches, steps and workers.

Per task (`alignment`, `sj`), under `train/` and `eval/`:
    loss            L_ORPO of the task (Eq. 4), whatever the strategy trains, so trials compare
    nll             L_SFT
    or_loss         L_OR (Eq. 3)
    log_odds_ratio  log odds(y_w|x) - log odds(y_l|x)
    accuracy        fraction of pairs whose chosen mean log-prob beats the rejected one
    chosen_logps / rejected_logps   mean log-probs (Eq. 1)
Plus `train/loss` (the strategy's loss, what is minimised), `train/sj_active_fraction`
(conditional), `lr`, `epoch`, `step`, `total_steps`, `tokens_per_s`, `padding_efficiency`.
"""

from __future__ import annotations

from collections import defaultdict

import torch
import torch.distributed as dist

from mo_orpo.losses import PairTerms

TASKS = ("alignment", "sj")
TASK_METRICS = ("loss", "nll", "or_loss", "log_odds_ratio", "accuracy", "chosen_logps",
                "rejected_logps")


def task_values(terms: PairTerms, orpo_lambda: float) -> dict[str, torch.Tensor]:
    """Per-example values (B,) of every task metric, detached."""
    t = terms.detach()
    return {
        "loss": t.orpo_loss(orpo_lambda),
        "nll": t.nll.float(),
        "or_loss": t.or_loss(),
        "log_odds_ratio": t.log_odds_ratio,
        "accuracy": (t.chosen_logps > t.rejected_logps).float(),
        "chosen_logps": t.chosen_logps.float(),
        "rejected_logps": t.rejected_logps.float(),
    }


class MeanMeter:
    """Running sums and counts of named values; `means()` all-reduces across workers.

    Every worker must add the same names (they run the same code on equal batch counts), so the
    all-reduce packs the sums in sorted-name order into one tensor.
    """

    def __init__(self) -> None:
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, float] = defaultdict(float)

    def add(self, name: str, values: torch.Tensor) -> None:
        self.sums[name] += float(values.detach().float().sum())
        self.counts[name] += values.numel()

    def add_scalar(self, name: str, value: float, count: float = 1.0) -> None:
        self.sums[name] += value * count
        self.counts[name] += count

    def add_task(self, prefix: str, terms: PairTerms, orpo_lambda: float) -> None:
        for name, values in task_values(terms, orpo_lambda).items():
            self.add(f"{prefix}/{name}", values)

    def means(self, device: torch.device | None = None) -> dict[str, float]:
        names = sorted(self.sums)
        if not names:
            return {}
        packed = torch.tensor([[self.sums[n] for n in names], [self.counts[n] for n in names]],
                              dtype=torch.float64, device=device)
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(packed)
        return {n: (packed[0, i] / packed[1, i]).item() for i, n in enumerate(names)
                if packed[1, i] > 0}

    def state_dict(self) -> dict:
        return {"sums": dict(self.sums), "counts": dict(self.counts)}

    def load_state_dict(self, state: dict) -> None:
        self.sums = defaultdict(float, state["sums"])
        self.counts = defaultdict(float, state["counts"])


def all_reduce_sum(value: float, device: torch.device | None = None) -> float:
    """Sum of `value` over workers (itself when not distributed)."""
    if not (dist.is_available() and dist.is_initialized()):
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.item()
