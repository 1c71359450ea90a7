"""ORPO (Hong et al. 2024) as pure functions of per-example mean log-probabilities.

Equations as numbered in the paper this project implements (DESIGN.md section 1):

    log P(y|x) = (1/m) sum_t log P(y_t | x, y_<t)                      (Eq. 1)
    odds(y|x)  = P(y|x) / (1 - P(y|x))                                 (Eq. 2, corrected)
    L_OR       = -log sigmoid( log odds(y_w|x) - log odds(y_l|x) )     (Eq. 3)
    L_ORPO     = L_SFT + lambda * L_OR                                 (Eq. 4)

Every function returns per-example values, shape (B,); the caller reduces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

_LOG_HALF = -math.log(2.0)


def at_least_float32(x: torch.Tensor) -> torch.Tensor:
    """`x` in float32, or float64 if it already is: losses never run in bf16/fp16."""
    return x if x.dtype == torch.float64 else x.float()


def log1mexp(x: torch.Tensor) -> torch.Tensor:
    """log(1 - exp(x)) for x < 0, accurate everywhere (Maechler 2012).

    Uses log(-expm1(x)) for x > -ln 2 (where 1 - e^x would cancel) and log1p(-exp(x))
    otherwise (where e^x underflows gracefully). The unused branch is fed a safe value so that
    neither its value nor its gradient can be NaN.
    """
    near_zero = x > _LOG_HALF
    x_near = torch.where(near_zero, x, torch.full_like(x, _LOG_HALF))
    x_far = torch.where(near_zero, torch.full_like(x, _LOG_HALF), x)
    return torch.where(near_zero, torch.log(-torch.expm1(x_near)), torch.log1p(-torch.exp(x_far)))


def log_odds(avg_logps: torch.Tensor) -> torch.Tensor:
    """Elementwise log odds(y|x) = log( P / (1 - P) ) = logp - log(1 - e^logp) (Eq. 2).

    `avg_logps` are mean log-probs over response tokens (Eq. 1), so P = e^logp in (0, 1).
    Computed in float32 at least (bf16/fp16 inputs are promoted; float64 stays): finite, with finite gradients, from
    logp = -1e-9 (P close to 1, where the naive 1 - P underflows) down to very negative values.
    Values are clamped just below 0 so that a mean log-prob that rounds to 0 stays finite.
    """
    logp = at_least_float32(avg_logps).clamp(max=-1e-12)
    return logp - log1mexp(logp)


def log_odds_ratio(chosen_avg_logps: torch.Tensor, rejected_avg_logps: torch.Tensor) -> torch.Tensor:
    """log( odds(y_w|x) / odds(y_l|x) ) per example: the argument of the sigmoid in Eq. 3."""
    return log_odds(chosen_avg_logps) - log_odds(rejected_avg_logps)


def odds_ratio_loss(chosen_avg_logps: torch.Tensor, rejected_avg_logps: torch.Tensor) -> torch.Tensor:
    """L_OR = -log sigmoid( log odds(y_w|x) - log odds(y_l|x) ) per example (Eq. 3)."""
    return -F.logsigmoid(log_odds_ratio(chosen_avg_logps, rejected_avg_logps))


@dataclass
class PairTerms:
    """Per-example quantities of one task's batch, each of shape (B,).

    chosen_logps / rejected_logps: mean log-prob of the response tokens (Eq. 1).
    nll: L_SFT, the mean negative log-likelihood of the chosen sequence's SFT tokens (the
    response, plus the prompt when `sft_on_prompt` is set).
    """

    chosen_logps: torch.Tensor
    rejected_logps: torch.Tensor
    nll: torch.Tensor

    @property
    def log_odds_ratio(self) -> torch.Tensor:
        return log_odds_ratio(self.chosen_logps, self.rejected_logps)

    def or_loss(self) -> torch.Tensor:
        """L_OR (Eq. 3)."""
        return odds_ratio_loss(self.chosen_logps, self.rejected_logps)

    def orpo_loss(self, orpo_lambda: float) -> torch.Tensor:
        """L_ORPO = L_SFT + lambda * L_OR (Eq. 4)."""
        return at_least_float32(self.nll) + orpo_lambda * self.or_loss()

    def detach(self) -> PairTerms:
        return PairTerms(self.chosen_logps.detach(), self.rejected_logps.detach(),
                         self.nll.detach())
