"""What the data pipeline did to each split, for the run log, the CLI and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mo_orpo.data.types import BadRow


@dataclass
class SplitStats:
    """Counts of one split: rows = bad + filtered_too_long + capped + kept."""

    name: str
    rows: int = 0
    valid: int = 0
    bad: list[BadRow] = field(default_factory=list)
    counts_by_reason: dict[str, int] = field(default_factory=dict)
    filtered_too_long: int = 0
    filtered_by_reason: dict[str, int] = field(default_factory=dict)
    capped: int = 0
    """Valid pairs within the length limits dropped by max_train_pairs / max_eval_pairs."""
    kept: int = 0
    sj: dict[str, Any] = field(default_factory=dict)
    """{templates_used, rejected_first_rate} of the kept SJ examples."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "rows": self.rows, "valid": self.valid,
            "bad": [b.to_dict() for b in self.bad], "bad_by_reason": dict(self.counts_by_reason),
            "filtered_too_long": self.filtered_too_long,
            "filtered_by_reason": dict(self.filtered_by_reason),
            "capped": self.capped, "kept": self.kept, "sj": dict(self.sj),
        }

    def summary(self, label: str) -> str:
        """One line, plus a second with the reasons when rows were dropped."""
        rate = self.sj.get("rejected_first_rate")
        sj = (f"SJ {self.sj.get('templates_used', 0)} templates, "
              + (f"{rate:.1%} rejected first" if rate is not None else "no examples"))
        line = (f"{label} [{self.name}]: {self.rows} rows, {self.valid} valid, "
                f"{len(self.bad)} bad, {self.filtered_too_long} too long, "
                f"{self.capped} over cap, {self.kept} kept; {sj}")
        reasons = {**self.counts_by_reason,
                   **{k: v for k, v in self.filtered_by_reason.items() if v}}
        if reasons:
            line += "\n  dropped: " + ", ".join(f"{k}={v}" for k, v in reasons.items())
        return line


@dataclass
class DataStats:
    """Stats of the train and eval splits."""

    train: SplitStats
    eval: SplitStats

    def to_dict(self) -> dict[str, Any]:
        return {"train": self.train.to_dict(), "eval": self.eval.to_dict()}

    def summary(self) -> str:
        return f"{self.train.summary('train')}\n{self.eval.summary('eval')}"
