"""Packing layouts, the forward pass's per-pair log-probs (Eq. 1) and the batch order."""

import pytest
import torch

from mo_orpo.config import ModelConfig
from mo_orpo.model import load_model, load_tokenizer
from mo_orpo.train.batching import (
    CHOSEN,
    REJECTED,
    TokenizedPair,
    concat_batches,
    epoch_batches,
    pack,
)
from mo_orpo.train.distributed import shard_by_rank
from mo_orpo.train.forward import pair_terms, split_terms


@pytest.fixture(scope="module")
def tiny():
    config = ModelConfig()
    tokenizer = load_tokenizer(config)
    return load_model(config, tokenizer, seed=3).eval(), tokenizer


def random_pairs(n: int, seed: int) -> list[TokenizedPair]:
    g = torch.Generator().manual_seed(seed)

    def ids(lo, hi):
        length = int(torch.randint(lo, hi, (1,), generator=g))
        return tuple(torch.randint(3, 380, (length,), generator=g).tolist())
    return [TokenizedPair(ids(2, 30), ids(1, 12), ids(1, 20)) for _ in range(n)]


def test_shared_prompt_row_layout_by_hand():
    pair = TokenizedPair(prompt=(10, 11), chosen=(20, 21, 1), rejected=(30, 1))
    b = pack([pair], "shared_prompt", pad_id=0)
    assert b.input_ids.tolist() == [[10, 11, 20, 21, 1, 30, 1]]
    assert b.position_ids.tolist() == [[0, 1, 2, 3, 4, 2, 3]]
    allowed = b.attention_mask[0, 0].int().tolist()
    assert allowed == [
        [1, 0, 0, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0, 0],
        [1, 1, 1, 0, 0, 0, 0],
        [1, 1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 1, 0, 0],
        [1, 1, 0, 0, 0, 1, 0],  # rejected tokens see the prompt and earlier rejected tokens
        [1, 1, 0, 0, 0, 1, 1],
    ]
    kinds = b.target_kind[0].tolist()
    scored = [(i, t, k) for i, t, k in zip(b.logit_index[0].tolist(), b.target_ids[0].tolist(),
                                            kinds) if k]
    # chosen[t] is predicted at position 1 + t; rejected[0] at 1 (last prompt token), then 5
    assert scored == [(1, 20, CHOSEN), (2, 21, CHOSEN), (3, 1, CHOSEN),
                      (1, 30, REJECTED), (5, 1, REJECTED)]
    assert b.real_tokens == 7 and b.computed_positions == 7


def reference_logps(model, pairs, sft_on_prompt):
    """Each (prompt, response) run alone through the model with TRL's get_batch_logps."""
    from trl.experimental.orpo import ORPOTrainer

    out = {"chosen": [], "rejected": [], "nll": []}
    for p in pairs:
        for kind in ("chosen", "rejected"):
            response = getattr(p, kind)
            ids = torch.tensor([list(p.prompt) + list(response)])
            labels = ids.clone()
            labels[0, : len(p.prompt)] = -100
            logits = model(input_ids=ids).logits
            out[kind].append(ORPOTrainer.get_batch_logps(logits, labels, average_log_prob=True))
            if kind == "chosen":
                sft_labels = ids.clone() if sft_on_prompt else labels
                out["nll"].append(-ORPOTrainer.get_batch_logps(logits, sft_labels, True))
    return {k: torch.cat(v) for k, v in out.items()}


@pytest.mark.parametrize("layout", ["shared_prompt", "separate"])
@pytest.mark.parametrize("sft_on_prompt", [False, True])
def test_pair_logps_match_trl_on_each_sequence_alone(tiny, layout, sft_on_prompt):
    model, tokenizer = tiny
    pairs = random_pairs(6, seed=1)
    with torch.no_grad():
        terms = pair_terms(model, pack(pairs, layout, tokenizer.pad_token_id, sft_on_prompt),
                           sft_on_prompt, torch.float32)
        ref = reference_logps(model, pairs, sft_on_prompt)
    torch.testing.assert_close(terms.chosen_logps, ref["chosen"], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(terms.rejected_logps, ref["rejected"], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(terms.nll, ref["nll"], rtol=1e-5, atol=1e-5)


def test_concatenated_tasks_give_the_same_terms_as_separate_forwards(tiny):
    model, tokenizer = tiny
    a, sj = random_pairs(4, seed=2), random_pairs(4, seed=5)
    pad = tokenizer.pad_token_id
    with torch.no_grad():
        both = pair_terms(model, concat_batches([pack(a, "shared_prompt", pad),
                                                 pack(sj, "shared_prompt", pad)], pad),
                          False, torch.float32)
        alone = [pair_terms(model, pack(x, "shared_prompt", pad), False, torch.float32)
                 for x in (a, sj)]
    for got, want in zip(split_terms(both, [4, 4]), alone):
        torch.testing.assert_close(got.chosen_logps, want.chosen_logps, rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(got.rejected_logps, want.rejected_logps, rtol=1e-5, atol=1e-5)


def test_shared_prompt_computes_fewer_positions_than_separate():
    pairs = [TokenizedPair(tuple(range(3, 103)), (5, 1), (6, 1))] * 4  # long prompt, short labels
    shared, separate = pack(pairs, "shared_prompt", 0), pack(pairs, "separate", 0)
    assert shared.computed_positions == 4 * 104
    assert separate.computed_positions == 8 * 102


def test_epoch_batches_cover_every_index_once_and_are_deterministic():
    lengths = torch.randint(5, 500, (1000,), generator=torch.Generator().manual_seed(0)).tolist()
    first = epoch_batches(lengths, 16, seed=7, epoch=2)
    assert sorted(i for b in first for i in b) == list(range(1000))
    assert first == epoch_batches(lengths, 16, seed=7, epoch=2)
    assert first != epoch_batches(lengths, 16, seed=7, epoch=3)


def test_grouping_by_length_cuts_padding():
    lengths = torch.randint(5, 500, (2000,), generator=torch.Generator().manual_seed(0)).tolist()

    def efficiency(batches):  # real tokens / (rows * padded length), computed here
        real = sum(lengths[i] for b in batches for i in b)
        return real / sum(len(b) * max(lengths[i] for i in b) for b in batches)
    grouped = efficiency(epoch_batches(lengths, 16, seed=0, epoch=0, group_by_length=True))
    plain = efficiency(epoch_batches(lengths, 16, seed=0, epoch=0, group_by_length=False))
    assert grouped > 0.9 and plain < 0.7


def test_shard_by_rank_gives_equal_disjoint_shares():
    items = list(range(11))
    shares = [shard_by_rank(r, 3)(items, True) for r in range(3)]
    assert [len(s) for s in shares] == [3, 3, 3]
    assert not set(shares[0]) & set(shares[1])
    assert sorted(sum((shard_by_rank(r, 3)(items, False) for r in range(3)), [])) == items
