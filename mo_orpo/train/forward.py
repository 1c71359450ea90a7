"""One forward pass over a packed batch -> per-pair mean log-probs and SFT loss (Eq. 1)."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from mo_orpo.losses import PairTerms
from mo_orpo.train.batching import CHOSEN, PROMPT, REJECTED, PackedBatch


def _accepts_logits_to_keep(model: nn.Module) -> bool:
    inner = getattr(model, "module", model)  # DDP
    base = inner.get_base_model() if hasattr(inner, "get_base_model") else inner  # peft
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """A bool "may attend" 4D mask as the additive float mask transformers expects."""
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill_(
        ~mask, torch.finfo(dtype).min)


def pair_terms(model: nn.Module, batch: PackedBatch, sft_on_prompt: bool,
               compute_dtype: torch.dtype) -> PairTerms:
    """Per-pair chosen/rejected mean log-probs and L_SFT for every pair of `batch`.

        log P(y|x) = (1/m) sum_t log P(y_t | x, y_<t)        (Eq. 1, response tokens only)
        L_SFT      = -(1/m') sum_t log P(s_t | s_<t)          (chosen response; with the
                                                              prompt too if sft_on_prompt)
    Log-softmax runs in float32 on the gathered positions only; logits before the earliest
    scored position are never computed when the model supports `logits_to_keep`.
    """
    mask = batch.attention_mask
    if mask.dim() == 4:
        mask = additive_mask(mask, compute_dtype)
    seq_len = batch.input_ids.shape[1]
    kwargs = {}
    index = batch.logit_index
    if _accepts_logits_to_keep(model):
        scored = batch.target_kind != 0
        first = int(index[scored].min()) if scored.any() else 0
        kwargs["logits_to_keep"] = seq_len - first
        index = (index - first).clamp(min=0)
    logits = model(input_ids=batch.input_ids, attention_mask=mask,
                   position_ids=batch.position_ids, use_cache=False, **kwargs).logits
    vocab = logits.shape[-1]
    picked = logits.gather(1, index.unsqueeze(-1).expand(-1, -1, vocab))    # (R, N, V)
    logps = picked.float().log_softmax(-1).gather(
        -1, batch.target_ids.unsqueeze(-1)).squeeze(-1)                     # (R, N)

    def per_pair(kind: int) -> tuple[torch.Tensor, torch.Tensor]:
        selected = (batch.target_kind == kind)
        sums = torch.zeros(batch.num_pairs, device=logps.device).index_add_(
            0, batch.target_pair[selected], logps[selected])
        counts = torch.zeros(batch.num_pairs, device=logps.device).index_add_(
            0, batch.target_pair[selected], torch.ones_like(logps[selected]))
        return sums, counts

    chosen_sum, chosen_n = per_pair(CHOSEN)
    rejected_sum, rejected_n = per_pair(REJECTED)
    if sft_on_prompt:
        prompt_sum, prompt_n = per_pair(PROMPT)
        nll = -(chosen_sum + prompt_sum) / (chosen_n + prompt_n)
    else:
        nll = -chosen_sum / chosen_n
    return PairTerms(chosen_sum / chosen_n, rejected_sum / rejected_n, nll)


def split_terms(terms: PairTerms, sizes: list[int]) -> list[PairTerms]:
    """Split the terms of a concatenated batch back into its parts (e.g. alignment, SJ)."""
    parts = zip(*(t.split(sizes) for t in (terms.chosen_logps, terms.rejected_logps, terms.nll)))
    return [PairTerms(*p) for p in parts]
