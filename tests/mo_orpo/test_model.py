"""Model loading: the tiny default, a local Hugging Face folder, LoRA, dtype and checkpointing."""

import torch

from mo_orpo.config import LoraConfig, ModelConfig
from mo_orpo.model import load_model, load_tokenizer
from mo_orpo.model.tokenizer import BUILTIN_CHAT_TEMPLATE, ChatFormatter


def test_tiny_default_is_seeded_and_needs_no_files():
    config = ModelConfig()
    tokenizer = load_tokenizer(config)
    a, b = load_model(config, tokenizer, seed=1), load_model(config, tokenizer, seed=1)
    c = load_model(config, tokenizer, seed=2)
    ids = torch.tensor([[5, 6, 7, 8]])
    assert torch.equal(a(input_ids=ids).logits, b(input_ids=ids).logits)
    assert not torch.equal(a(input_ids=ids).logits, c(input_ids=ids).logits)
    assert a.config.vocab_size == len(tokenizer) and tokenizer.chat_template == BUILTIN_CHAT_TEMPLATE


def test_a_saved_model_loads_from_a_local_path_like_a_hub_model(tmp_path):
    config = ModelConfig()
    tokenizer = load_tokenizer(config)
    tiny = load_model(config, tokenizer, seed=0)
    tiny.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    local = ModelConfig(name_or_path=str(tmp_path), dtype="bfloat16",
                        gradient_checkpointing=True)
    loaded = load_model(local, load_tokenizer(local), seed=99)
    assert next(loaded.parameters()).dtype == torch.bfloat16
    assert loaded.is_activation_checkpointing
    ids = torch.tensor([[5, 6, 7, 8]])
    torch.testing.assert_close(loaded(input_ids=ids).logits.float(),
                               tiny(input_ids=ids).logits, atol=0.05, rtol=0.05)
    formatter = ChatFormatter(load_tokenizer(local))
    assert formatter.prompt_text([{"role": "user", "content": "hi"}]).endswith("<|assistant|>\n")


def test_lora_trains_only_the_adapter():
    config = ModelConfig(lora=LoraConfig(enabled=True, r=4, target_modules=["q_proj", "v_proj"]))
    model = load_model(config, load_tokenizer(config), seed=0)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    assert any("q_proj" in n for n in trainable) and not any("k_proj" in n for n in trainable)
