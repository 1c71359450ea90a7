"""Model loading: the tiny embedded default or any Hugging Face causal LM, optionally with LoRA."""

from __future__ import annotations

import logging

import torch
from torch import nn
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

from mo_orpo.config import LoraConfig, ModelConfig
from mo_orpo.model.tokenizer import TINY

log = logging.getLogger(__name__)

DTYPES: dict[str, torch.dtype | str] = {
    "auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}


def resolve_device(name: str, assigned: torch.device | None = None) -> torch.device:
    """The device for `model.device`: 'auto' takes the launcher's (e.g. Ray Train's), else
    cuda when available, else mps, else cpu."""
    if name != "auto":
        return torch.device(name)
    if assigned is not None:
        return assigned
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def tiny_model(config: ModelConfig, vocab_size: int, pad_token_id: int, eos_token_id: int,
               seed: int) -> LlamaForCausalLM:
    """A random Llama built from `config.tiny` (no download), initialised from `seed`."""
    shape = config.tiny
    llama = LlamaConfig(
        vocab_size=vocab_size, hidden_size=shape.hidden_size,
        intermediate_size=shape.intermediate_size, num_hidden_layers=shape.num_layers,
        num_attention_heads=shape.num_heads, num_key_value_heads=shape.num_kv_heads,
        max_position_embeddings=shape.max_positions, tie_word_embeddings=True,
        pad_token_id=pad_token_id, eos_token_id=eos_token_id, bos_token_id=None,
        attention_dropout=0.0,
    )
    if config.attn_implementation:
        llama._attn_implementation = config.attn_implementation
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(llama)
    dtype = DTYPES[config.dtype]
    return model.to(torch.float32 if dtype == "auto" else dtype)


def load_model(config: ModelConfig, tokenizer, seed: int) -> nn.Module:
    """The model of `config` (tiny default, hub id or local path), with LoRA if enabled.

    The model is returned on the CPU in its configured dtype; the training loop moves it.
    """
    if config.name_or_path == TINY:
        model = tiny_model(config, len(tokenizer), tokenizer.pad_token_id,
                           tokenizer.eos_token_id, seed)
    else:
        kwargs = {"dtype": DTYPES[config.dtype], "revision": config.revision,
                  "trust_remote_code": config.trust_remote_code}
        if config.attn_implementation:
            kwargs["attn_implementation"] = config.attn_implementation
        model = AutoModelForCausalLM.from_pretrained(config.name_or_path, **kwargs)
    model.config.use_cache = False
    if config.gradient_checkpointing:
        kwargs = {"use_reentrant": False}
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x
            model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
    if config.lora.enabled:
        model = apply_lora(model, config.lora, config.gradient_checkpointing)
    return model


def apply_lora(model: nn.Module, lora: LoraConfig, gradient_checkpointing: bool) -> nn.Module:
    """Wrap `model` with a peft LoRA adapter; only the adapter's weights train."""
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model

    targets = lora.target_modules
    peft_config = PeftLoraConfig(
        r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, bias="none",
        task_type="CAUSAL_LM",
        target_modules="all-linear" if targets == ["all-linear"] else list(targets))
    if gradient_checkpointing:
        model.enable_input_require_grads()
    model = get_peft_model(model, peft_config)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    log.info("LoRA r=%d alpha=%g: %d of %d parameters train (%.2f%%)", lora.r, lora.alpha,
             trainable, total, 100 * trainable / total)
    return model


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DistributedDataParallel (or similar) wrapper."""
    return getattr(model, "module", model)
