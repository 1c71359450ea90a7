"""Tokenizer loading and the chat formatting shared by training, evaluation and data preview."""

from __future__ import annotations

from collections.abc import Sequence

from transformers import AutoTokenizer, ByT5Tokenizer, PreTrainedTokenizerBase

from mo_orpo.config import ModelConfig

TINY = "tiny"
Message = dict[str, str]

# Used when the tokenizer has no chat template (the tiny default, base models).
BUILTIN_CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def load_tokenizer(config: ModelConfig) -> PreTrainedTokenizerBase:
    """The tokenizer of `config.name_or_path`; byte-level (no files) for the tiny default."""
    if config.name_or_path == TINY:
        tokenizer = ByT5Tokenizer()
    else:
        tokenizer = AutoTokenizer.from_pretrained(
            config.name_or_path, revision=config.revision,
            trust_remote_code=config.trust_remote_code)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not tokenizer.chat_template:
        tokenizer.chat_template = BUILTIN_CHAT_TEMPLATE
    return tokenizer


class ChatFormatter:
    """Turns conversations and responses into token ids the way training sees them.

    prompt ids  = chat template of the conversation with the generation prompt (special tokens
                  such as BOS come from the template, or are added once when it has none)
    response ids = tokens of the response text followed by EOS
    Prompt and response are tokenized separately and concatenated, as TRL does.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer
        self._bos = ([tokenizer.bos_token_id] if tokenizer.bos_token_id is not None
                     and tokenizer.chat_template == BUILTIN_CHAT_TEMPLATE else [])

    def prompt_text(self, messages: Sequence[Message]) -> str:
        return self.tokenizer.apply_chat_template(
            [dict(m) for m in messages], tokenize=False, add_generation_prompt=True)

    def prompt_ids(self, messages: Sequence[Message]) -> list[int]:
        ids = self.tokenizer(self.prompt_text(messages), add_special_tokens=False).input_ids
        return self._bos + list(ids)

    def response_ids(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=False).input_ids
        return list(ids) + [self.tokenizer.eos_token_id]

    # The token-counting protocol the data pipeline's length filter uses.
    def prompt_tokens(self, messages: Sequence[Message]) -> int:
        return len(self.prompt_ids(messages))

    def text_tokens(self, text: str) -> int:
        return len(self.response_ids(text))
