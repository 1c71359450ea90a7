"""The resumable training loop (never imports Ray)."""

from mo_orpo.train.checkpoint import TrainState, load_checkpoint, save_checkpoint
from mo_orpo.train.distributed import TrainHooks, shard_by_rank
from mo_orpo.train.loop import NonFiniteLossError, TrainResult, train

__all__ = [
    "NonFiniteLossError", "TrainHooks", "TrainResult", "TrainState", "load_checkpoint",
    "save_checkpoint", "shard_by_rank", "train",
]
