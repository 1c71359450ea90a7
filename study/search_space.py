"""Search-space parameters, distributions, and the expansion of a spec into concrete trials.

A parameter's value in a variant (or in the shared `space`) is either a plain value or a
one-key mapping naming a distribution:

    w1: 0.7                          fixed
    w1: {grid: [0.9, 0.7, 0.5]}      one trial per value (grids of a variant are crossed)
    lr: {loguniform: [1e-6, 1e-4]}   drawn per trial (num_samples draws per grid point)
    lr: {uniform: [1e-5, 1e-4]}      seed: {randint: [0, 1000]}      strategy: {choice: [...]}

Trials are drawn here, once, from `sampler_seed`, so a dry run shows exactly what will run and
a resumed study runs the same trials.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mo_orpo.config.schema import set_dotted

# short name -> training-config field
PARAMETERS: dict[str, str] = {
    "strategy": "loss.strategy",
    "schedule": "loss.schedule",
    "task_order": "loss.task_order",
    "w1": "loss.w1",
    "w2": "loss.w2",
    "lambda": "loss.orpo_lambda",
    "conditional_granularity": "loss.conditional_granularity",
    "lr": "optim.lr",
    "epochs": "epochs",
    "lora_r": "model.lora.r",
    "seed": "seed",
}
STRATEGIES_WITHOUT_SJ_WEIGHT = ("baseline",)


@dataclass(frozen=True)
class Distribution:
    check: Callable[[Any], str | None]          # problem text, or None when the args are fine
    sample: Callable[[np.random.Generator, Any], Any]


def _is_pair(args: Any) -> bool:
    return (isinstance(args, list) and len(args) == 2
            and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args)
            and args[0] < args[1])


def _nonempty_list(args: Any) -> str | None:
    return None if isinstance(args, list) and args else "expected a non-empty list of values"


DISTRIBUTIONS: dict[str, Distribution] = {
    "choice": Distribution(_nonempty_list, lambda rng, a: a[int(rng.integers(len(a)))]),
    "uniform": Distribution(
        lambda a: None if _is_pair(a) else "expected [low, high] with low < high",
        lambda rng, a: float(rng.uniform(a[0], a[1]))),
    "loguniform": Distribution(
        lambda a: None if _is_pair(a) and a[0] > 0 else "expected [low, high] with 0 < low < high",
        lambda rng, a: float(math.exp(rng.uniform(math.log(a[0]), math.log(a[1]))))),
    "randint": Distribution(
        lambda a: None if _is_pair(a) and all(isinstance(x, int) for x in a)
        else "expected integers [low, high) with low < high",
        lambda rng, a: int(rng.integers(a[0], a[1]))),
}
GRID = "grid"


@dataclass
class TrialPlan:
    """One trial: its parameters and, once validated, its full training config."""

    index: int
    variant: int
    params: dict[str, Any]
    train_config: dict[str, Any] | None = field(default=None)

    def config_overrides(self) -> dict[str, Any]:
        nested: dict[str, Any] = {}
        for name, value in self.params.items():
            set_dotted(nested, PARAMETERS.get(name, name), value)
        return nested

    def label(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"variants[{self.variant}] trial {self.index} ({shown or 'base config'})"

    def summary(self) -> dict[str, Any]:
        """strategy, schedule, effective w1/w2, lr, epochs, lambda, LoRA rank, seed."""
        c = self.train_config or {}
        loss, lora = c["loss"], c["model"]["lora"]
        baseline = loss["strategy"] in STRATEGIES_WITHOUT_SJ_WEIGHT
        w2 = loss["w2"] if loss["w2"] is not None else 1.0 - loss["w1"]
        return {
            "strategy": loss["strategy"], "schedule": loss["schedule"],
            "w1": 1.0 if baseline else loss["w1"], "w2": 0.0 if baseline else round(w2, 12),
            "lr": c["optim"]["lr"], "epochs": c["epochs"], "orpo_lambda": loss["orpo_lambda"],
            "lora_r": lora["r"] if lora["enabled"] else None, "seed": c["seed"],
        }

    def total_epochs(self) -> int:
        from mo_orpo.train.schedules import get_schedule

        c = self.train_config or {}
        return get_schedule(c["loss"]["schedule"]).total_epochs(c["epochs"])


def expand_trials(variants: list[dict[str, Any]], space: dict[str, Any], num_samples: int,
                  sampler_seed: int, problems: list[str]) -> list[TrialPlan]:
    """Every trial of the spec, in order: variants x their grids x num_samples draws."""
    trials: list[TrialPlan] = []
    if not variants:
        problems.append("variants: got an empty list; give at least one variant ({} = the "
                        "base config alone)")
    for v, variant in enumerate(variants):
        where = f"variants[{v}]"
        if not isinstance(variant, dict):
            problems.append(f"{where}: got {variant!r}; expected a mapping of parameters")
            continue
        merged = {**space, **variant}
        if not _check_parameters(merged, where, problems):
            continue
        grid_keys = [k for k, val in merged.items() if _distribution(val) == GRID]
        grids = [merged[k][GRID] for k in grid_keys]
        for point in itertools.product(*grids):
            for _ in range(num_samples):
                rng = np.random.default_rng([sampler_seed, len(trials)])
                params = {}
                for key, value in merged.items():
                    kind = _distribution(value)
                    if kind == GRID:
                        params[key] = point[grid_keys.index(key)]
                    elif kind:
                        params[key] = DISTRIBUTIONS[kind].sample(rng, value[kind])
                    else:
                        params[key] = value
                trials.append(TrialPlan(len(trials), v, params))
    return trials


def _distribution(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        (name,) = value
        if name == GRID or name in DISTRIBUTIONS:
            return name
    return None


def _check_parameters(params: dict[str, Any], where: str, problems: list[str]) -> bool:
    before = len(problems)
    for key, value in params.items():
        if not isinstance(key, str) or not (key in PARAMETERS or "." in key or key in (
                "epochs", "seed", "batch_size", "max_steps")):
            problems.append(f"{where}.{key}: unknown parameter; use one of "
                            f"{', '.join(PARAMETERS)} or a dotted training-config field "
                            "such as optim.warmup_ratio")
            continue
        if isinstance(value, dict):
            kind = _distribution(value)
            if kind is None:
                problems.append(f"{where}.{key}: got {value!r}; a mapping must name one "
                                f"distribution: grid, {', '.join(DISTRIBUTIONS)}")
            elif kind == GRID:
                if _nonempty_list(value[GRID]):
                    problems.append(f"{where}.{key}.grid: got {value[GRID]!r}; expected a "
                                    "non-empty list of values")
            elif (msg := DISTRIBUTIONS[kind].check(value[kind])) is not None:
                problems.append(f"{where}.{key}.{kind}: got {value[kind]!r}; {msg}")
    strategies = _possible_values(params.get("strategy"))
    if "w2" in params and strategies and set(strategies) <= set(STRATEGIES_WITHOUT_SJ_WEIGHT):
        problems.append(f"{where}.w2: has no effect with strategy {strategies[0]!r} (it trains "
                        "the alignment task alone); move w2 to the variants that use it")
    return len(problems) == before


def _possible_values(value: Any) -> list[Any]:
    kind = _distribution(value)
    if kind in (GRID, "choice"):
        return list(value[kind])
    return [] if value is None else [value]
