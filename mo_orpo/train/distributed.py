"""What the training loop needs from a launcher (plain process, torchrun, Ray Train)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import nn

T = TypeVar("T")
Shard = Callable[[Sequence[T], bool], list[T]]


def move_to_device(model: nn.Module, device: torch.device) -> nn.Module:
    return model.to(device)


def shard_by_rank(rank: int, world_size: int) -> Shard:
    """Give worker `rank` every `world_size`-th item. With `equal=True` (training batches)
    every worker gets the same count, dropping at most world_size - 1 trailing items, since DDP
    needs the same number of steps on every worker; evaluation keeps every item."""
    def shard(items: Sequence[T], equal: bool) -> list[T]:
        mine = list(items[rank::world_size])
        return mine[: len(items) // world_size] if equal else mine
    return shard


def no_sharding(items: Sequence[T], equal: bool) -> list[T]:
    return list(items)


@dataclass
class TrainHooks:
    """Launcher hooks. The defaults run in one plain process.

    prepare_model: move the model to the device and wrap it (Ray passes
        `ray.train.torch.prepare_model`, which wraps DDP).
    shard: split the epoch's batches (and evaluation batches) across workers.
    device: the device the launcher assigned, used when `model.device` is 'auto'.
    """

    prepare_model: Callable[[nn.Module, torch.device], nn.Module] = move_to_device
    shard: Shard = field(default=no_sharding)
    device: torch.device | None = None


def is_main_process() -> bool:
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0
