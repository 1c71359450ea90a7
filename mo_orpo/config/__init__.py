"""Typed, validated configuration for training (and the schema machinery the study spec reuses)."""

from mo_orpo.config.schema import ConfigError, build, to_dict
from mo_orpo.config.train import (
    DataConfig,
    LoraConfig,
    LossConfig,
    ModelConfig,
    OptimConfig,
    TrainConfig,
    load_train_config,
)

__all__ = [
    "ConfigError", "DataConfig", "LoraConfig", "LossConfig", "ModelConfig", "OptimConfig",
    "TrainConfig", "build", "load_train_config", "to_dict",
]
