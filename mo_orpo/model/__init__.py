"""Model and tokenizer: the tiny embedded default or any Hugging Face causal LM, LoRA optional."""

from mo_orpo.model.load import load_model, resolve_device, unwrap
from mo_orpo.model.tokenizer import ChatFormatter, load_tokenizer

__all__ = ["ChatFormatter", "load_model", "load_tokenizer", "resolve_device", "unwrap"]
