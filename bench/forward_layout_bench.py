"""Forward+backward time of the two packing layouts on the same self-judgment batches.

Prints one JSON object: for each layout, the positions computed and the median seconds per
batch (forward + backward, tiny model by default), measured side by side in one process, and
the padding efficiency of length-grouped vs random batches over the built-in train split.

    python bench/forward_layout_bench.py [--hidden 64] [--layers 2] [--batches 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from mo_orpo.config import DataConfig, ModelConfig
from mo_orpo.config.train import TinyModelConfig
from mo_orpo.data import prepare_data
from mo_orpo.model import ChatFormatter, load_model, load_tokenizer
from mo_orpo.train.batching import epoch_batches, pack, tokenize_examples
from mo_orpo.train.forward import pair_terms


def padding_efficiency(lengths: list[int], batches: list[list[int]]) -> float:
    real = sum(lengths[i] for b in batches for i in b)
    return real / sum(len(b) * max(lengths[i] for i in b) for b in batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--batches", type=int, default=30)
    args = parser.parse_args()

    config = ModelConfig(tiny=TinyModelConfig(hidden_size=args.hidden,
                                              intermediate_size=3 * args.hidden,
                                              num_layers=args.layers))
    tokenizer = load_tokenizer(config)
    formatter = ChatFormatter(tokenizer)
    data = prepare_data(DataConfig(), formatter)
    rows = tokenize_examples(formatter, data.train_sj)
    model = load_model(config, tokenizer, seed=0)
    lengths = [r.row_length("shared_prompt") for r in rows]
    batches = epoch_batches(lengths, args.batch_size, seed=0, epoch=0)[: args.batches]

    results = {}
    for layout in ("shared_prompt", "separate"):
        times, positions = [], 0
        for indices in batches:
            batch = pack([rows[i] for i in indices], layout, tokenizer.pad_token_id)
            start = time.perf_counter()
            pair_terms(model, batch, False, torch.float32).nll.mean().backward()
            times.append(time.perf_counter() - start)
            positions += batch.computed_positions
            model.zero_grad(set_to_none=True)
        results[layout] = {"positions": positions, "median_s_per_batch": statistics.median(times)}
    shared, separate = results["shared_prompt"], results["separate"]
    print(json.dumps({
        "task": "self-judgment", "batches": len(batches), "batch_size": args.batch_size,
        "model": {"hidden": args.hidden, "layers": args.layers},
        "torch_threads": torch.get_num_threads(), **results,
        "positions_ratio_separate_over_shared": separate["positions"] / shared["positions"],
        "time_ratio_separate_over_shared": separate["median_s_per_batch"]
        / shared["median_s_per_batch"],
        "padding_efficiency_shared_prompt_rows": {
            "grouped_by_length": padding_efficiency(
                lengths, epoch_batches(lengths, args.batch_size, 0, 0, True)),
            "random": padding_efficiency(
                lengths, epoch_batches(lengths, args.batch_size, 0, 0, False)),
        },
    }, indent=2))


if __name__ == "__main__":
    main()
