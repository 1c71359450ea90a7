"""AdamW and the learning-rate schedules (one registry)."""

from __future__ import annotations

import math

import torch
from torch import nn
from transformers import (
    get_constant_schedule_with_warmup,
    get_cosine_schedule_with_warmup,
    get_linear_schedule_with_warmup,
)

from mo_orpo.config import OptimConfig

LR_SCHEDULES = {
    "cosine": lambda opt, warmup, total: get_cosine_schedule_with_warmup(opt, warmup, total),
    "linear": lambda opt, warmup, total: get_linear_schedule_with_warmup(opt, warmup, total),
    "constant": lambda opt, warmup, total: get_constant_schedule_with_warmup(opt, warmup),
}


def build_optimizer(model: nn.Module, config: OptimConfig, total_steps: int):
    """AdamW over the trainable parameters and its warmup + decay schedule."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, betas=tuple(config.betas),
                                  eps=config.eps, weight_decay=config.weight_decay)
    warmup = math.ceil(config.warmup_ratio * total_steps)
    return optimizer, LR_SCHEDULES[config.lr_schedule](optimizer, warmup, total_steps)
