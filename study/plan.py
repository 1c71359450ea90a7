"""The trial plan of a study, as `launch --dry-run` prints it."""

from __future__ import annotations

from study.spec import Study

PLAN_COLUMNS = ("#", "strategy", "schedule", "w1", "w2", "lr", "epochs", "lambda", "lora_r",
                "seed")


def plan_rows(study: Study) -> list[dict[str, object]]:
    rows = []
    for trial in study.trials:
        s = trial.summary()
        rows.append({"#": trial.index, "strategy": s["strategy"], "schedule": s["schedule"],
                     "w1": s["w1"], "w2": s["w2"], "lr": f"{s['lr']:.3g}",
                     "epochs": trial.total_epochs(), "lambda": s["orpo_lambda"],
                     "lora_r": s["lora_r"] or "-", "seed": s["seed"]})
    return rows


def format_table(rows: list[dict[str, object]], columns: tuple[str, ...] | list[str]) -> str:
    """A plain-text table with a header and aligned columns."""
    cells = [[str(c) for c in columns]] + [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_plan(study: Study) -> str:
    spec = study.spec
    res = spec.resources
    gpus = f", {res.worker_gpus:g} GPU" if res.use_gpu else ""
    per_trial = (f"{res.workers} worker(s) x ({res.cpus_per_worker:g} CPU{gpus}) + "
                 f"{res.trial_driver_cpus:g} CPU for the trial driver; "
                 f"placement {res.placement_strategy}; DDP over "
                 f"{'nccl' if res.use_gpu else 'gloo'}")
    n, workers = len(study.trials), len(study.trials) * res.workers
    sched = spec.scheduler
    metric, mode = spec.scheduler_metric
    scheduler = ("none (every trial runs to the end)" if sched.type == "none" else
                 f"ASHA on {metric} ({mode}) by {sched.time_attr}: grace {sched.grace_period:g}, "
                 f"reduction factor {sched.reduction_factor:g}, max "
                 f"{sched.max_t or max(t.total_epochs() for t in study.trials)}")
    concurrent = spec.max_concurrent_trials or "as many as the cluster fits (computed at launch)"
    return "\n".join([
        f"study {spec.name!r}: {len(study.trials)} trials"
        + (f" - {spec.description}" if spec.description else ""),
        format_table(plan_rows(study), PLAN_COLUMNS),
        "",
        f"per trial:   {per_trial}",
        f"total:       {n} trials = {workers} Train workers ({workers * res.cpus_per_worker:g} "
        f"CPU{f', {workers * res.worker_gpus:g} GPU' if res.use_gpu else ''}) and {n} trial "
        f"drivers ({n * res.trial_driver_cpus:g} CPU)",
        f"concurrent:  {concurrent}",
        f"scheduler:   {scheduler}",
        "objectives:  " + ", ".join(f"{o.metric} ({o.mode})" for o in spec.objectives),
        f"storage:     {spec.storage_path}/{spec.name}",
        "(dry run: nothing was started)",
    ])
