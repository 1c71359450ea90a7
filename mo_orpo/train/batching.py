"""Token ids for preference examples, their packing into model rows, and the batch order.

Two layouts put a pair's chosen and rejected sequences through one forward pass:

- `shared_prompt`: one row `[prompt, chosen, rejected]` per pair. A 4D attention mask stops
  rejected tokens from seeing chosen ones, and rejected positions restart right after the
  prompt, so each response sees exactly `[prompt, response]` while the prompt is computed once
  (the self-judgment prompt holds both responses, so this halves most of the SJ compute).
- `separate`: two rows `[prompt, chosen]` and `[prompt, rejected]` with the usual causal mask
  (TRL's layout); works with attention kernels that take no 4D mask (flash attention).

A packed batch carries, for every token whose log-prob matters, where its logit is, its id,
its kind (chosen / rejected / prompt) and its pair, so one gather gives every per-pair sum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mo_orpo.model.tokenizer import ChatFormatter

PAD, CHOSEN, REJECTED, PROMPT = 0, 1, 2, 3  # target kinds
_SEG_PROMPT, _SEG_CHOSEN, _SEG_REJECTED, _SEG_PAD = 0, 1, 2, 3


@dataclass(frozen=True)
class TokenizedPair:
    prompt: tuple[int, ...]
    chosen: tuple[int, ...]
    rejected: tuple[int, ...]

    def row_length(self, layout: str) -> int:
        """Length of the longest row this pair becomes in `layout`."""
        if layout == "shared_prompt":
            return len(self.prompt) + len(self.chosen) + len(self.rejected)
        return len(self.prompt) + max(len(self.chosen), len(self.rejected))


def tokenize_examples(formatter: ChatFormatter, examples: Sequence) -> list[TokenizedPair]:
    """Token ids of examples that have `.prompt` (messages), `.chosen` and `.rejected` (text)."""
    return [TokenizedPair(tuple(formatter.prompt_ids(e.prompt)),
                          tuple(formatter.response_ids(e.chosen)),
                          tuple(formatter.response_ids(e.rejected))) for e in examples]


@dataclass
class PackedBatch:
    """Model rows for a list of pairs plus where each pair's scored tokens sit.

    Shapes: R rows of length L; N scored-token slots per row.
    """

    input_ids: torch.Tensor        # (R, L)
    position_ids: torch.Tensor     # (R, L)
    attention_mask: torch.Tensor   # (R, L) 1/0 padding mask, or (R, 1, L, L) bool "may attend"
    logit_index: torch.Tensor      # (R, N) position whose logits predict the target
    target_ids: torch.Tensor       # (R, N)
    target_kind: torch.Tensor      # (R, N) PAD / CHOSEN / REJECTED / PROMPT
    target_pair: torch.Tensor      # (R, N) pair index in [0, num_pairs)
    num_pairs: int
    real_tokens: int               # non-padding input tokens

    @property
    def computed_positions(self) -> int:
        return int(self.input_ids.numel())

    def to(self, device: torch.device) -> PackedBatch:
        tensors = {k: v.to(device, non_blocking=True) for k, v in vars(self).items()
                   if isinstance(v, torch.Tensor)}
        return PackedBatch(**tensors, num_pairs=self.num_pairs, real_tokens=self.real_tokens)


@dataclass
class _Row:
    tokens: list[int]
    positions: list[int]
    segments: list[int]
    targets: list[tuple[int, int, int, int]]  # (logit index, token, kind, pair)


def _shared_row(pair: TokenizedPair, index: int, sft_on_prompt: bool) -> list[_Row]:
    p, c, r = list(pair.prompt), list(pair.chosen), list(pair.rejected)
    P, C = len(p), len(c)
    targets = _prompt_targets(p, index, sft_on_prompt)
    targets += [(P - 1 + t, tok, CHOSEN, index) for t, tok in enumerate(c)]
    # rejected[0] is predicted by the last prompt token, like chosen[0]; later rejected tokens
    # by the rejected token before them, which sits after the chosen block in this row.
    targets += [(P - 1 if t == 0 else P + C + t - 1, tok, REJECTED, index)
                for t, tok in enumerate(r)]
    return [_Row(p + c + r, list(range(P + C)) + list(range(P, P + len(r))),
                 [_SEG_PROMPT] * P + [_SEG_CHOSEN] * C + [_SEG_REJECTED] * len(r), targets)]


def _separate_rows(pair: TokenizedPair, index: int, sft_on_prompt: bool) -> list[_Row]:
    p = list(pair.prompt)
    P = len(p)
    rows = []
    for response, kind in ((list(pair.chosen), CHOSEN), (list(pair.rejected), REJECTED)):
        targets = _prompt_targets(p, index, sft_on_prompt) if kind == CHOSEN else []
        targets += [(P - 1 + t, tok, kind, index) for t, tok in enumerate(response)]
        n = P + len(response)
        rows.append(_Row(p + response, list(range(n)), [_SEG_PROMPT] * n, targets))
    return rows


def _prompt_targets(prompt: list[int], index: int, sft_on_prompt: bool) -> list:
    if not sft_on_prompt:
        return []
    return [(t - 1, tok, PROMPT, index) for t, tok in enumerate(prompt) if t > 0]


LAYOUTS: dict[str, Callable[[TokenizedPair, int, bool], list[_Row]]] = {
    "shared_prompt": _shared_row,
    "separate": _separate_rows,
}


def pack(pairs: Sequence[TokenizedPair], layout: str, pad_id: int,
         sft_on_prompt: bool = False) -> PackedBatch:
    """Rows for `pairs` (pair i gets index i) in `layout`, right-padded to one length."""
    rows = [row for i, pair in enumerate(pairs) for row in LAYOUTS[layout](pair, i, sft_on_prompt)]
    R, L = len(rows), max(len(r.tokens) for r in rows)
    N = max(len(r.targets) for r in rows)
    input_ids = torch.full((R, L), pad_id, dtype=torch.long)
    position_ids = torch.zeros((R, L), dtype=torch.long)
    segments = torch.full((R, L), _SEG_PAD, dtype=torch.long)
    targets = torch.zeros((4, R, N), dtype=torch.long)  # index, token, kind, pair
    for i, row in enumerate(rows):
        n = len(row.tokens)
        input_ids[i, :n] = torch.tensor(row.tokens)
        position_ids[i, :n] = torch.tensor(row.positions)
        segments[i, :n] = torch.tensor(row.segments)
        targets[:, i, : len(row.targets)] = torch.tensor(row.targets).T
    if layout == "shared_prompt":
        mask = _shared_prompt_mask(segments)
    else:
        mask = (segments != _SEG_PAD).long()
    return PackedBatch(input_ids, position_ids, mask, targets[0], targets[1], targets[2],
                       targets[3], num_pairs=len(pairs), real_tokens=sum(len(r.tokens) for r in rows))


def _shared_prompt_mask(segments: torch.Tensor) -> torch.Tensor:
    """(R, 1, L, L) bool: causal, rejected queries blind to chosen keys, padding unseen.

    Padding queries see only themselves so that no softmax row is empty.
    """
    L = segments.shape[1]
    causal = torch.ones(L, L, dtype=torch.bool).tril()
    q, k = segments[:, :, None], segments[:, None, :]            # (R, L, 1), (R, 1, L)
    allowed = causal & ~((q == _SEG_REJECTED) & (k == _SEG_CHOSEN)) & (k != _SEG_PAD)
    allowed |= torch.eye(L, dtype=torch.bool) & (q == _SEG_PAD)
    return allowed[:, None]


def concat_batches(batches: Sequence[PackedBatch], pad_id: int) -> PackedBatch:
    """One batch holding the rows of several (pair indices offset), for a single forward."""
    if len(batches) == 1:
        return batches[0]
    L = max(b.input_ids.shape[1] for b in batches)
    N = max(b.target_ids.shape[1] for b in batches)

    def pad(t: torch.Tensor, length: int, value: int) -> torch.Tensor:
        extra = length - t.shape[1]
        return torch.nn.functional.pad(t, (0, extra), value=value) if extra else t

    masks = []
    for b in batches:
        m = b.attention_mask
        if m.dim() == 4:
            extra = L - m.shape[-1]
            if extra:
                m = torch.nn.functional.pad(m, (0, extra, 0, extra), value=False)
                m[:, 0, -extra:, -extra:] |= torch.eye(extra, dtype=torch.bool)
        else:
            m = pad(m, L, 0)
        masks.append(m)
    offsets = np.cumsum([0] + [b.num_pairs for b in batches[:-1]])
    return PackedBatch(
        input_ids=torch.cat([pad(b.input_ids, L, pad_id) for b in batches]),
        position_ids=torch.cat([pad(b.position_ids, L, 0) for b in batches]),
        attention_mask=torch.cat(masks),
        logit_index=torch.cat([pad(b.logit_index, N, 0) for b in batches]),
        target_ids=torch.cat([pad(b.target_ids, N, 0) for b in batches]),
        target_kind=torch.cat([pad(b.target_kind, N, PAD) for b in batches]),
        target_pair=torch.cat([pad(b.target_pair + int(o), N, 0) for b, o in zip(batches, offsets)]),
        num_pairs=sum(b.num_pairs for b in batches),
        real_tokens=sum(b.real_tokens for b in batches),
    )


def epoch_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int,
                  group_by_length: bool = True, megabatch: int = 32) -> list[list[int]]:
    """The batches (lists of example indices) of one epoch, deterministic in (seed, epoch).

    With `group_by_length`, a shuffled order is cut into megabatches of `megabatch` batches,
    each sorted by length and cut into batches, and the batches are shuffled again: batches
    hold pairs of similar length (little padding) while the order stays random.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths))
    if group_by_length:
        size = batch_size * megabatch
        lengths_arr = np.asarray(lengths)
        order = np.concatenate([
            chunk[np.argsort(-lengths_arr[chunk], kind="stable")]
            for chunk in (order[i: i + size] for i in range(0, len(order), size))])
    batches = [order[i: i + batch_size].tolist() for i in range(0, len(order), batch_size)]
    if group_by_length:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def eval_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Batches for evaluation: sorted by length (least padding), fixed order."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return [order[i: i + batch_size].tolist() for i in range(0, len(order), batch_size)]
