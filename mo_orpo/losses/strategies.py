"""How the alignment (A) and self-judgment (SJ) losses combine: one registry of strategies.

Pairing: the SJ example of pair i is made from pair i itself (the self-judgment transform
rewrites each preference pair), and every simultaneous step carries both forms of the same
pairs. So `alignment` and `sj` below are aligned example by example: row i of both comes from
the same (x, y_w, y_l). Per-example rules (conjoined, conditional per example) use that pairing.

Each strategy returns the per-example loss, shape (B,); the caller takes the mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from mo_orpo.config.train import LossConfig
from mo_orpo.losses.orpo import PairTerms, at_least_float32
from mo_orpo.registry import lookup


@dataclass(frozen=True)
class StrategyOutput:
    loss: torch.Tensor                 # (B,) per-example loss to minimise
    sj_active: torch.Tensor | None = None  # (B,) 1 where the SJ loss took part (conditional)


Combine = Callable[[PairTerms, PairTerms, LossConfig], StrategyOutput]


def baseline(a: PairTerms, sj: PairTerms, cfg: LossConfig) -> StrategyOutput:
    """L = L_A: plain ORPO on the alignment pairs (w1 = 1). The SJ task is only evaluated."""
    return StrategyOutput(a.orpo_loss(cfg.orpo_lambda))


def scalarization(a: PairTerms, sj: PairTerms, cfg: LossConfig) -> StrategyOutput:
    """L_MO = w1 * L_A + w2 * L_SJ, with w2 = 1 - w1 unless given (Eq. 5); both are L_ORPO."""
    return StrategyOutput(cfg.w1 * a.orpo_loss(cfg.orpo_lambda)
                          + cfg.sj_weight * sj.orpo_loss(cfg.orpo_lambda))


def conjoined(a: PairTerms, sj: PairTerms, cfg: LossConfig) -> StrategyOutput:
    """Conjoined ORPO (Eq. 6): the alignment odds ratio is measured against the frozen SJ one.

        L_OR^conj = -log sigmoid( log [odds(y_w|x) / odds(y_l|x)]
                                  + log [odds_θ'(y_l|x') / odds_θ'(y_w|x')] )
        L = w1 * (L_SFT^A + lambda * L_OR^conj) + w2 * L_ORPO^SJ

    θ' is the model at the same step with gradients stopped: the SJ log-odds ratio of the same
    pair (x' is the SJ prompt made from x) enters as a constant. Writing k = odds_θ'(y_l|x') /
    odds_θ'(y_w|x') = exp(-SJ log-odds ratio), the gradient of L_OR^conj is
        dL_OR^conj/dθ = -(1 + k * OR_A)^-1 * d log OR_A / dθ
    (section 3.2.2; the paper omits the minus sign of a loss gradient). The SJ task itself is
    still trained with ORPO, weighted by w2 (Table 2 uses w1 = 0.7, w2 = 0.3).
    """
    shifted = a.log_odds_ratio - sj.log_odds_ratio.detach()
    or_conj = -F.logsigmoid(shifted)
    loss_a = at_least_float32(a.nll) + cfg.orpo_lambda * or_conj
    return StrategyOutput(cfg.w1 * loss_a + cfg.sj_weight * sj.orpo_loss(cfg.orpo_lambda))


def conditional(a: PairTerms, sj: PairTerms, cfg: LossConfig) -> StrategyOutput:
    """Algorithm 1 (epsilon-constraint): add the SJ loss only where self-judgment is still wrong.

        if log [odds_SJ(y_w|x) / odds_SJ(y_l|x)] < 0:  loss = w1 * L_A + w2 * L_SJ
        else:                                          loss = L_A

    With `conditional_granularity: example` (default) the test is made per pair, so a pair's
    loss does not depend on which other pairs share its batch or worker; with `batch` it is
    made once on the batch-mean SJ log-odds ratio. The test uses the current (detached) value.
    """
    ratio = sj.log_odds_ratio.detach()
    if cfg.conditional_granularity == "batch":
        ratio = ratio.mean().expand_as(ratio)
    active = (ratio < 0).float()
    loss_a = a.orpo_loss(cfg.orpo_lambda)
    combined = cfg.w1 * loss_a + cfg.sj_weight * sj.orpo_loss(cfg.orpo_lambda)
    return StrategyOutput(active * combined + (1 - active) * loss_a, sj_active=active)


def sj_sft(a: PairTerms, sj: PairTerms, cfg: LossConfig) -> StrategyOutput:
    """Control (Table 2, "scalarization (SJ-SFT)"): L = w1 * L_A + w2 * L_SFT^SJ.

    The SJ task is trained with plain SFT on its chosen label instead of ORPO.
    """
    return StrategyOutput(cfg.w1 * a.orpo_loss(cfg.orpo_lambda) + cfg.sj_weight * at_least_float32(sj.nll))


@dataclass(frozen=True)
class Strategy:
    combine: Combine
    sj_objective: Callable[[PairTerms, float], torch.Tensor]
    """The SJ task's loss when a schedule trains SJ alone (epoch_by_epoch, task_by_task)."""
    trains_sj: bool = True
    """False for baseline: its simultaneous steps skip the SJ forward (SJ is only evaluated)."""


def _orpo(t: PairTerms, orpo_lambda: float) -> torch.Tensor:
    return t.orpo_loss(orpo_lambda)


def _sft(t: PairTerms, orpo_lambda: float) -> torch.Tensor:
    return at_least_float32(t.nll)


STRATEGIES: dict[str, Strategy] = {
    "baseline": Strategy(baseline, _orpo, trains_sj=False),
    "scalarization": Strategy(scalarization, _orpo),
    "conjoined": Strategy(conjoined, _orpo),
    "conditional": Strategy(conditional, _orpo),
    "sj_sft": Strategy(sj_sft, _sft),
}


def get_strategy(name: str) -> Strategy:
    """The registered strategy `name`; an unknown name lists the valid ones."""
    return lookup(STRATEGIES, name, "strategy")


def step_loss(cfg: LossConfig, tasks: tuple[str, ...], alignment: PairTerms | None,
              sj: PairTerms | None) -> StrategyOutput:
    """The per-example loss of one step given the tasks the schedule trains now.

    Both tasks: the strategy's combination. One task (epoch_by_epoch, task_by_task): that
    task's term of the weighted sum, w1 * L_A or w2 * L_SJ (the paper's sequential runs use
    w1 = w2 = 1), with L_SJ the strategy's SJ objective (ORPO, or SFT for sj_sft).
    """
    strategy = get_strategy(cfg.strategy)
    if tasks == ("sj",):
        return StrategyOutput(cfg.sj_weight * strategy.sj_objective(sj, cfg.orpo_lambda))
    if tasks == ("alignment",):
        return StrategyOutput(cfg.w1 * alignment.orpo_loss(cfg.orpo_lambda))
    return strategy.combine(alignment, sj, cfg)
