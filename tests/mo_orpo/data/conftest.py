"""Shared fixtures of the data tests: row builders and the tiny model's token counter."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mo_orpo.config import ModelConfig
from mo_orpo.model.tokenizer import ChatFormatter, load_tokenizer


def _uf_row(prompt: str, chosen: str, rejected: str, **extra) -> dict:
    user = {"role": "user", "content": prompt}
    return {"prompt": prompt,
            "chosen": [user, {"role": "assistant", "content": chosen}],
            "rejected": [user, {"role": "assistant", "content": rejected}], **extra}


@pytest.fixture
def uf_row() -> Callable[..., dict]:
    """An UltraFeedback-binarized row: uf_row(prompt, chosen, rejected, **extra columns)."""
    return _uf_row


@pytest.fixture
def write_jsonl() -> Callable[[Path, list[dict]], Path]:
    def write(path: Path, rows: list[dict]) -> Path:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return path
    return write


@pytest.fixture(scope="session")
def tiny_formatter() -> ChatFormatter:
    """The real token counter of the tiny default model (byte-level, no files)."""
    return ChatFormatter(load_tokenizer(ModelConfig()))
