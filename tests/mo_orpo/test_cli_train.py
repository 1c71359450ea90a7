"""`mo-orpo train` end to end in a subprocess: progress, metrics.jsonl, checkpoints, errors."""

import json
import subprocess
import sys

SMALL = ["--set", "data.synthetic.train_pairs=64", "--set", "data.synthetic.test_pairs=16",
         "--set", "max_steps=6", "--set", "log_every_steps=2", "--set", "batch_size=8"]


def mo_orpo(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "mo_orpo.cli.main", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_train_writes_metrics_and_a_resumable_final_checkpoint(tmp_path):
    out = mo_orpo("train", "--output-dir", str(tmp_path / "run"), *SMALL)
    assert out.returncode == 0, out.stderr
    reports = [json.loads(line) for line in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in reports] == [0, 2, 4, 6]
    assert "eval/alignment/accuracy" in reports[0] and "eval/sj/accuracy" in reports[-1]
    assert "step 6/6" in out.stdout and "left" in out.stdout and "tok/s" in out.stdout
    final = tmp_path / "run/final"
    assert (final / "trainer_state.pt").is_file() and (final / "model").is_dir()
    assert (final / "tokenizer").is_dir() and (final / "train_config.yaml").is_file()
    # the embedded default's config was used under the overrides
    assert "epochs: 24" in (tmp_path / "run/config.yaml").read_text()

    more = mo_orpo("train", "--output-dir", str(tmp_path / "more"), *SMALL[:-6],
                   "--set", "max_steps=8", "--set", "log_every_steps=2", "--set", "batch_size=8",
                   "--resume", str(final))
    assert more.returncode == 0, more.stderr
    steps = [json.loads(line)["step"] for line in
             (tmp_path / "more/metrics.jsonl").read_text().splitlines()]
    assert steps == [8]


def test_bad_config_lists_every_problem_and_loads_no_model(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("loss: {strategy: magic, w1: 1.5}\nepochs: zero\nmodel: {lora: {rank: 8}}\n")
    out = mo_orpo("train", str(config), "--set", "optim.lr=-1", "--output-dir", str(tmp_path / "r"))
    assert out.returncode == 2
    for problem in ("loss.strategy: got 'magic'", "loss.w1: got 1.5", "epochs: got 'zero'",
                    "model.lora.rank: unknown field", "optim.lr: got -1"):
        assert problem in out.stderr, problem
    assert "data:" not in out.stderr and not (tmp_path / "r").exists()
