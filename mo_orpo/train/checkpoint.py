"""Checkpoints that resume exactly: weights (or LoRA adapter), optimizer, scheduler, RNG
states and the position in the data order. Checkpoints are only taken when metrics are
reported, so no partial metric window needs saving.

Layout of a checkpoint directory:
    model/               save_pretrained output (full model, or only the LoRA adapter)
    tokenizer/           the tokenizer, so the final checkpoint is usable on its own
    trainer_state.pt     optimizer, scheduler, RNG states, TrainState
    train_config.yaml    the full training config
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import yaml
from safetensors.torch import load_file
from torch import nn

from mo_orpo.model import unwrap

STATE_FILE = "trainer_state.pt"


@dataclass
class TrainState:
    """Where training stands: the next micro-batch to run is `batch` of epoch `epoch`."""

    epoch: int = 0
    batch: int = 0
    step: int = 0                     # optimizer steps done
    tokens: int = 0                   # real tokens trained on (all workers)


def rng_state() -> dict[str, Any]:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
             "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any, state: TrainState, config_dict: dict[str, Any],
                    tokenizer: Any = None) -> str:
    """Write a complete checkpoint to `path` (created) and return it."""
    os.makedirs(path, exist_ok=True)
    unwrap(model).save_pretrained(os.path.join(path, "model"), safe_serialization=True)
    if tokenizer is not None:
        tokenizer.save_pretrained(os.path.join(path, "tokenizer"))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "rng": rng_state(), "state": asdict(state)}, os.path.join(path, STATE_FILE))
    with open(os.path.join(path, "train_config.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(config_dict, fh, sort_keys=False)
    return path


def load_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any) -> TrainState:
    """Restore everything `save_checkpoint` wrote into the given objects; return the state."""
    state_file = os.path.join(path, STATE_FILE)
    if not os.path.exists(state_file):
        raise FileNotFoundError(f"{path} is not a mo-orpo checkpoint (no {STATE_FILE})")
    load_weights(unwrap(model), os.path.join(path, "model"))
    saved = torch.load(state_file, map_location="cpu", weights_only=False)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    set_rng_state(saved["rng"])
    return TrainState(**saved["state"])


def load_weights(model: nn.Module, folder: str) -> None:
    """Load `save_pretrained` output (LoRA adapter, single file or sharded) into `model`."""
    if hasattr(model, "peft_config"):
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, load_file(os.path.join(folder, "adapter_model.safetensors")))
        return
    index = os.path.join(folder, "model.safetensors.index.json")
    files = ["model.safetensors"]
    if os.path.exists(index):
        with open(index, encoding="utf-8") as fh:
            files = sorted(set(json.load(fh)["weight_map"].values()))
    state: dict[str, torch.Tensor] = {}
    for name in files:
        state.update(load_file(os.path.join(folder, name)))
    missing, unexpected = model.load_state_dict(state, strict=False)
    tied = {k for k in missing if k.endswith("lm_head.weight")
            and getattr(model.config, "tie_word_embeddings", False)}
    if set(missing) - tied or unexpected:
        raise RuntimeError(f"checkpoint {folder} does not match the model: missing "
                           f"{sorted(set(missing) - tied)[:5]}, unexpected {unexpected[:5]}")
