"""Start, resume and size a study: the Tuner around `study.trainable.run_trial`.

Everything a trial needs is stored in the study directory when the study starts (the resolved
spec and every trial's plan, in `_results/study.json`), so `resume` needs only the name.
"""

from __future__ import annotations

import math
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from mo_orpo.errors import UserError
from study.paths import study_dir as study_dir_of
from study.results.store import FINAL_STATES, StudyStore
from study.spec import Study, spec_from_dict


class StudyStateError(UserError, RuntimeError):
    """The study directory's state does not allow the request (exists, missing, running)."""


@dataclass(frozen=True)
class Sizing:
    cpus_per_trial: float
    gpus_per_trial: float
    max_concurrent: int
    cluster_cpus: float
    cluster_gpus: float


def size_trials(study: Study, cluster: dict[str, float]) -> Sizing:
    """How many trials fit at once: the spec's max_concurrent_trials, or what the cluster's
    CPUs and GPUs allow (the trial driver's CPU share plus every worker's)."""
    res = study.spec.resources
    cpus = res.trial_driver_cpus + res.workers * res.cpus_per_worker
    gpus = res.workers * res.worker_gpus
    total_cpu, total_gpu = cluster.get("CPU", 0.0), cluster.get("GPU", 0.0)
    fits = [math.floor(total_cpu / cpus + 1e-9)] if cpus else []
    if gpus:
        fits.append(math.floor(total_gpu / gpus + 1e-9))
    given = study.spec.max_concurrent_trials
    fit = max(1, min(fits)) if fits else 1
    return Sizing(cpus, gpus, given or min(fit, len(study.trials)), total_cpu, total_gpu)


def trial_settings(study: Study, study_dir: str) -> dict[str, Any]:
    """What every trial's driver needs besides its own plan."""
    spec = study.spec
    res = spec.resources
    return {
        "study_dir": study_dir,
        "resources": {"workers": res.workers, "use_gpu": res.use_gpu,
                      "cpus_per_worker": res.cpus_per_worker, "worker_gpus": res.worker_gpus,
                      "placement_strategy": res.placement_strategy},
        "checkpoint_metric": (spec.primary.metric, spec.primary.mode),
        "num_to_keep": spec.checkpoint.num_to_keep,
        "worker_failures": spec.failure.worker_failures,
    }


def _trainable(study: Study, study_dir: str):
    from ray import tune

    from study.trainable import run_trial

    return tune.with_resources(
        tune.with_parameters(run_trial, study=trial_settings(study, study_dir)),
        {"cpu": study.spec.resources.trial_driver_cpus})


def _scheduler(study: Study):
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler

    sched = study.spec.scheduler
    if sched.type == "none":
        return FIFOScheduler()
    metric, mode = study.spec.scheduler_metric
    max_t = sched.max_t or max(t.total_epochs() for t in study.trials)
    return ASHAScheduler(time_attr=sched.time_attr, metric=metric, mode=mode, max_t=max_t,
                         grace_period=sched.grace_period,
                         reduction_factor=sched.reduction_factor)


def _trial_name(trial) -> str:
    """`trial-3-ab12c_00003`: the plan index, then Tune's trial id."""
    return f"trial-{trial.config['trial']['index']}-{trial.trial_id}"


def param_space(study: Study) -> dict[str, Any]:
    from ray import tune

    return {"trial": tune.grid_search([
        {"index": t.index, "params": t.params, "summary": t.summary(),
         "train_config": t.train_config} for t in study.trials])}


def init_ray(address: str | None, verbose: bool, env: dict[str, str]) -> None:
    import ray

    # Reports without the scheduler's metric (train-only reports between evaluations) are
    # normal and ASHA skips them; Tune's driver would otherwise reject them.
    os.environ.setdefault("TUNE_DISABLE_STRICT_METRIC_CHECKING", "1")
    if ray.is_initialized():
        return
    # The dashboard (ray[default]) must run: without it the placement group of a trial that
    # ASHA stops is never freed and the sweep hangs (DESIGN.md section 3).
    ray.init(address=address, log_to_driver=verbose, runtime_env={"env_vars": env},
             logging_level="INFO" if verbose else "WARNING")


def launch(study: Study, *, address: str | None = None, verbose: bool = False) -> StudyStore:
    """Run `study` to the end (or until interrupted) and return its results store."""
    from ray import tune

    from study.recorder import StudyRecorder

    spec = study.spec
    directory = study_dir_of(spec.name, spec.storage)
    store = StudyStore(directory)
    if store.exists():
        raise StudyStateError(
            f"study {spec.name!r} already exists at {directory}; continue it with "
            f"`mo-orpo study resume {spec.name}`, or choose another --name")
    init_ray(address, verbose, spec.ray_env())
    import ray

    sizing = size_trials(study, ray.cluster_resources())
    store.write_study({
        "name": spec.name, "description": spec.description, "spec": study.to_dict(),
        "objectives": [o.to_dict() for o in spec.objective_list()],
        "planned_trials": len(study.trials), "created_at": time.time(),
        "plan": [{"index": t.index, "params": t.params, "summary": t.summary()}
                 for t in study.trials],
        "max_concurrent_trials": sizing.max_concurrent, "host": socket.gethostname(),
    })
    print(f"[{spec.name}] {len(study.trials)} trials, up to {sizing.max_concurrent} at once "
          f"({sizing.cpus_per_trial:g} CPU, {sizing.gpus_per_trial:g} GPU each; cluster "
          f"{sizing.cluster_cpus:g} CPU, {sizing.cluster_gpus:g} GPU); results in {directory}",
          flush=True)
    tuner = tune.Tuner(
        _trainable(study, directory),
        param_space=param_space(study),
        tune_config=tune.TuneConfig(scheduler=_scheduler(study),
                                    max_concurrent_trials=sizing.max_concurrent,
                                    reuse_actors=False, trial_name_creator=_trial_name,
                                    trial_dirname_creator=_trial_name),
        run_config=tune.RunConfig(
            name=spec.name, storage_path=spec.storage_path, verbose=0,
            callbacks=[StudyRecorder(directory, spec.objective_list(), spec.name,
                                     len(study.trials))],
            failure_config=tune.FailureConfig(max_failures=spec.failure.trial_retries)),
    )
    tuner.fit()
    return store


def resume(name: str, storage: str | None = None, *, retry_errored: bool = False,
           address: str | None = None, verbose: bool = False) -> tuple[str, StudyStore]:
    """Continue study `name`: unfinished trials resume from their own latest checkpoints,
    finished ones stay finished, errored ones are retried (from their checkpoint) only with
    `retry_errored`. Returns (what was done, the store)."""
    from ray import tune

    directory = study_dir_of(name, storage)
    store = StudyStore(directory)
    meta = store.read_study()  # FileNotFoundError names the place it looked
    if store.driver_alive():
        driver = meta.get("driver", {})
        raise StudyStateError(
            f"study {name!r} is running (driver pid {driver.get('pid')} on "
            f"{driver.get('host')}, heartbeat {time.time() - driver.get('heartbeat_at', 0):.0f}s "
            "ago); wait for it or stop it before resuming")
    table = store.trials_table()
    states = table["state"].value_counts().to_dict() if len(table) else {}
    unfinished = (meta["planned_trials"] - len(table)) + sum(
        n for s, n in states.items() if s not in FINAL_STATES)
    errored = states.get("errored", 0)
    if unfinished == 0 and (errored == 0 or not retry_errored):
        hint = (f"; {errored} errored (retry them with --retry-errored)" if errored else "")
        return (f"nothing to resume: all {len(table)} trials of {name!r} have finished "
                f"({states.get('terminated', 0)} terminated, "
                f"{states.get('stopped_early', 0)} stopped early){hint}", store)
    study = spec_from_dict(meta["spec"])
    init_ray(address, verbose, study.spec.ray_env())
    print(f"[{name}] resuming: {unfinished} unfinished trial(s) continue from their latest "
          f"checkpoints" + (f"; {errored} errored trial(s) retried" if retry_errored and errored
                            else f"; {errored} errored trial(s) left as they are" if errored
                            else ""), flush=True)
    tuner = tune.Tuner.restore(directory, trainable=_trainable(study, directory),
                               resume_unfinished=True, resume_errored=retry_errored,
                               restart_errored=False)
    tuner.fit()
    final = store.trials_table()["state"].value_counts().to_dict()
    return (f"resumed {name!r}: " + ", ".join(f"{n} {s}" for s, n in sorted(final.items())),
            store)
