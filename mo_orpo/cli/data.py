"""`mo-orpo data preview`: what the data pipeline would do with a source, before training.

Validates every row of one split, builds the self-judgment examples, applies the length
filter in the model's own tokens (only the tokenizer is loaded, never the model) and prints
the counts, the bad rows and two example SJ prompts; `--json` prints one JSON object.
Exit status: 0 on success, 2 for a bad source, or a bad row with `--on-bad-row error`.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from mo_orpo.config.train import DataConfig, ModelConfig
from mo_orpo.data.load import load_split
from mo_orpo.data.pipeline import prepare_split
from mo_orpo.data.validate import BAD_ROW_REASONS, ON_BAD_ROW

if TYPE_CHECKING:
    from mo_orpo.data.pipeline import PreparedSplit

SHOW_BAD_ROWS = 20
SHOW_EXAMPLES = 2
_DEFAULTS = DataConfig()


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"got {value}; expected an integer >= 1")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"got {value}; expected a number in [0, 1]")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `data` command group and its `preview` subcommand."""
    group = subparsers.add_parser("data", help="inspect preference data")
    commands = group.add_subparsers(dest="data_command", required=True, metavar="SUBCOMMAND")
    p = commands.add_parser(
        "preview", help="validate a split, count bad and too-long rows, show SJ examples",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="SOURCE", help=(
        "'synthetic', a Hugging Face hub id, a saved dataset directory or a local "
        ".json/.jsonl/.parquet/.csv file (a single file is the split 'train')"))
    p.add_argument("--split", default="train", help="split to preview (default: train)")
    p.add_argument("--on-bad-row", choices=ON_BAD_ROW, default=_DEFAULTS.on_bad_row,
                   help="skip and count bad rows, or stop at the first (exit 2)")
    p.add_argument("--model", default=ModelConfig().name_or_path, metavar="NAME_OR_PATH",
                   help="whose tokenizer counts tokens (default: tiny, byte-level)")
    p.add_argument("--max-pair-tokens", type=_positive_int, default=_DEFAULTS.max_pair_tokens,
                   help="limit on prompt + chosen + rejected tokens (default: %(default)s)")
    p.add_argument("--max-sj-tokens", type=_positive_int, default=_DEFAULTS.max_sj_tokens,
                   help="limit on self-judgment prompt tokens (default: %(default)s)")
    p.add_argument("--rejected-first-rate", type=_rate, default=_DEFAULTS.rejected_first_rate,
                   help="share of SJ prompts showing the worse response first "
                        "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the SJ templates (default: 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_preview)


def preview_report(prepared: PreparedSplit, source: str, split: str, model: str
                   ) -> dict[str, Any]:
    """The JSON form of a preview."""
    stats = prepared.stats.to_dict()
    examples = [{"index": e.index, "template_id": e.template_id,
                 "rejected_first": e.rejected_first, "prompt": e.prompt[0]["content"],
                 "chosen": e.chosen, "rejected": e.rejected}
                for e in prepared.sj[:SHOW_EXAMPLES]]
    return {"source": source, "split": split, "model": model,
            **{k: stats[k] for k in ("rows", "valid", "bad", "bad_by_reason",
                                     "filtered_too_long", "filtered_by_reason", "kept", "sj")},
            "examples": examples}


def format_report(report: dict[str, Any]) -> str:
    """The human form of a preview."""
    too_long = ", ".join(f"{k}={v}" for k, v in report["filtered_by_reason"].items())
    lines = [f"source: {report['source']}  split: {report['split']}  "
             f"tokens: {report['model']}",
             f"rows: {report['rows']}  valid: {report['valid']}  bad: {len(report['bad'])}  "
             f"filtered as too long: {report['filtered_too_long']} ({too_long})  "
             f"kept: {report['kept']}"]
    if report["bad"]:
        lines.append("bad rows by reason:")
        lines += [f"  {reason}: {n}  (expected {BAD_ROW_REASONS[reason]})"
                  for reason, n in report["bad_by_reason"].items()]
        lines.append(f"bad rows (first {min(SHOW_BAD_ROWS, len(report['bad']))}):")
        lines += [f"  row {b['row']}  field {b['field']!r}  {b['reason']}: {b['detail']}"
                  for b in report["bad"][:SHOW_BAD_ROWS]]
        if len(report["bad"]) > SHOW_BAD_ROWS:
            lines.append(f"  ... and {len(report['bad']) - SHOW_BAD_ROWS} more")
    sj = report["sj"]
    rate = sj["rejected_first_rate"]
    lines.append(f"self-judgment: {sj['templates_used']} templates used, rejected first "
                 + (f"{rate:.1%}" if rate is not None else "n/a (no pairs kept)"))
    for n, ex in enumerate(report["examples"], 1):
        order = "worse response first" if ex["rejected_first"] else "better response first"
        lines.append(f"--- SJ example {n}: pair {ex['index']}, template {ex['template_id']}, "
                     f"{order} ---")
        lines += [f"  | {line}" for line in ex["prompt"].splitlines()]
        lines.append(f"  chosen: {ex['chosen']!r}  rejected: {ex['rejected']!r}")
    return "\n".join(lines)


def run_preview(args: argparse.Namespace) -> int:
    """`mo-orpo data preview`."""
    import datasets

    from mo_orpo.model.tokenizer import ChatFormatter, load_tokenizer

    datasets.disable_progress_bars()
    rows = load_split(args.source, args.split)
    counter = ChatFormatter(load_tokenizer(ModelConfig(name_or_path=args.model)))
    prepared = prepare_split(
        rows, counter, name=f"{args.source}:{args.split}", on_bad_row=args.on_bad_row,
        max_pair_tokens=args.max_pair_tokens, max_sj_tokens=args.max_sj_tokens,
        rejected_first_rate=args.rejected_first_rate, sj_seed=args.seed)
    report = preview_report(prepared, args.source, args.split, args.model)
    print(json.dumps(report) if args.json else format_report(report))
    return 0
