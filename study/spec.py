"""The study spec: YAML -> validated dataclasses -> the list of trials to run.

    name: my-study
    storage: s3://bucket/studies          # default: $MO_ORPO_STORAGE or ~/mo-orpo-studies
    base: {...}                           # a mo_orpo training config (as for `mo-orpo train`)
    variants:                             # the arms of the search space
      - {strategy: baseline}
      - {strategy: scalarization, w1: {grid: [0.9, 0.7, 0.5]}}
      - {strategy: conditional, w1: 0.9, w2: 0.1}
    space: {lr: {loguniform: [1e-6, 1e-5]}, seed: {grid: [0, 1]}}   # crossed with every variant
    num_samples: 1                        # random draws per grid point
    resources: {workers: 2, use_gpu: true}
    scheduler: {type: asha, grace_period: 1, reduction_factor: 2}
    objectives: [{metric: eval/alignment/loss, mode: min}, {metric: eval/sj/accuracy, mode: max}]

Parameters are the short names in `search_space.PARAMETERS` (strategy, w1, lr, ...) or any
dotted training-config field. Everything is validated, and every trial's full training config
is built, before Ray starts; all problems are reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mo_orpo.config import ConfigError, TrainConfig, build, to_dict
from mo_orpo.config.schema import deep_merge, load_yaml, option
from study.paths import resolve_storage
from study.results.store import Objective
from study.search_space import TrialPlan, expand_trials

DEFAULT_OBJECTIVES = [{"metric": "eval/alignment/loss", "mode": "min"},
                      {"metric": "eval/sj/accuracy", "mode": "max"}]


@dataclass
class ObjectiveSpec:
    metric: str = option(help="a reported metric, e.g. eval/alignment/loss")
    mode: Literal["min", "max"] = option(help="whether lower or higher is better")


@dataclass
class ResourcesSpec:
    workers: int = option(1, help="Ray Train workers per trial (DDP ranks)", ge=1)
    use_gpu: bool = option(False, help="one or more GPUs per worker; DDP over nccl")
    cpus_per_worker: float = option(1.0, help="CPUs reserved per worker", gt=0)
    gpus_per_worker: float | None = option(None, help="GPUs per worker (null: 1 with use_gpu)",
                                           ge=0)
    trial_driver_cpus: float = option(0.1, help=(
        "CPUs reserved for the Tune function that drives each trial's TorchTrainer; it only "
        "waits, so a fraction leaves the cores to the workers"), ge=0)
    placement_strategy: Literal["PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"] = option(
        "PACK", help="how a trial's workers are placed across nodes")

    @property
    def worker_gpus(self) -> float:
        if self.gpus_per_worker is not None:
            return self.gpus_per_worker
        return 1.0 if self.use_gpu else 0.0

    def problems(self) -> list[str]:
        if self.use_gpu and self.worker_gpus == 0:
            return ["gpus_per_worker: 0 with use_gpu: true; set it above 0 or use_gpu: false"]
        if not self.use_gpu and self.worker_gpus > 0:
            return [f"gpus_per_worker: {self.worker_gpus} with use_gpu: false; set use_gpu: true"]
        return []


@dataclass
class SchedulerSpec:
    type: Literal["asha", "none"] = option("asha", help="early stopping of poor trials")
    metric: str | None = option(None, help="metric ASHA compares (null: the first objective)")
    mode: Literal["min", "max"] | None = option(None, help="(null: the first objective's mode)")
    time_attr: Literal["epoch", "step"] = option("epoch", help=(
        "the progress counter workers report; ASHA's rungs are in this unit. Tune's own "
        "training_iteration restarts on resume, so it is not offered"))
    grace_period: float = option(1.0, help="progress before a trial can be stopped", gt=0)
    reduction_factor: float = option(2.0, help="keep 1/reduction_factor at each rung", gt=1)
    max_t: float | None = option(None, help="progress at which trials stop (null: the most "
                                 "epochs/steps any trial plans)", gt=0)


@dataclass
class CheckpointSpec:
    num_to_keep: int = option(2, help=(
        "checkpoints kept per trial: the best by the first objective, plus the latest"), ge=1)


@dataclass
class FailureSpec:
    worker_failures: int = option(2, help=(
        "times a trial's worker group is restarted from its latest checkpoint after a worker "
        "dies (Ray Train FailureConfig)"), ge=0)
    trial_retries: int = option(0, help=(
        "times Tune retries a trial that errored (Tune FailureConfig); errors from the "
        "training itself, such as a non-finite loss, repeat, so the default is 0"), ge=0)


@dataclass
class StudySpec:
    name: str = option(help="study name: the folder under storage")
    storage: str | None = option(None, help=(
        "local folder or URI (s3://, gs://, any pyarrow filesystem); multi-node clusters "
        "need shared storage. null: $MO_ORPO_STORAGE or ~/mo-orpo-studies"))
    description: str = option("", help="free text shown in status and reports")
    base: dict[str, Any] = option(default_factory=dict, help="the base training config")
    variants: list[dict[str, Any]] = option(default_factory=lambda: [{}], help=(
        "arms of the search space; each maps parameters to a value or a distribution"))
    space: dict[str, Any] = option(default_factory=dict, help="parameters crossed with every variant")
    num_samples: int = option(1, help="random draws per grid point", ge=1)
    sampler_seed: int = option(0, help="seed for drawing random parameters")
    resources: ResourcesSpec = option(default_factory=ResourcesSpec, help="per-trial resources")
    max_concurrent_trials: int | None = option(None, help=(
        "trials at once (null: as many as the cluster's CPUs/GPUs fit)"), ge=1)
    scheduler: SchedulerSpec = option(default_factory=SchedulerSpec, help="early stopping")
    objectives: list[ObjectiveSpec] = option(
        default_factory=lambda: [ObjectiveSpec(**o) for o in DEFAULT_OBJECTIVES],
        help="metrics and directions defining the Pareto front; the first is primary")
    checkpoint: CheckpointSpec = option(default_factory=CheckpointSpec, help="checkpoints kept")
    failure: FailureSpec = option(default_factory=FailureSpec, help="fault tolerance")
    report_interval_s: float = option(2.0, help=(
        "how often Ray Train collects each worker's report (RAY_TRAIN_HEALTH_CHECK_INTERVAL_S). "
        "A worker's next report waits until its previous one is collected, so short trials "
        "that report often want a small value"), gt=0)

    def ray_env(self) -> dict[str, str]:
        """Environment for every process of the study's Ray job."""
        return {"RAY_TRAIN_HEALTH_CHECK_INTERVAL_S": str(self.report_interval_s)}

    def problems(self) -> list[str]:
        out = []
        if not self.name or "/" in self.name or self.name.strip() != self.name:
            out.append(f"name: got {self.name!r}; use a non-empty name without '/' or "
                       "surrounding spaces")
        metrics = [o.metric for o in self.objectives]
        if len(self.objectives) < 1 or len(set(metrics)) != len(metrics):
            out.append(f"objectives: got {metrics}; give one or more distinct metrics")
        return out

    # ---------------------------------------------------------------- derived views

    @property
    def primary(self) -> Objective:
        first = self.objectives[0]
        return Objective(first.metric, first.mode)

    @property
    def scheduler_metric(self) -> tuple[str, str]:
        return (self.scheduler.metric or self.primary.metric,
                self.scheduler.mode or self.primary.mode)

    @property
    def storage_path(self) -> str:
        return resolve_storage(self.storage)

    def objective_list(self) -> list[Objective]:
        return [Objective(o.metric, o.mode) for o in self.objectives]


@dataclass(frozen=True)
class Study:
    """A validated spec with its expanded trials (each with its full training config)."""

    spec: StudySpec
    trials: list[TrialPlan] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self.spec)


def load_spec(path: str | None = None, *, preset: str | None = None,
              overrides: dict[str, Any] | None = None) -> Study:
    """Read a spec file or a packaged preset, apply overrides (e.g. name, storage), validate the
    spec and every trial's training config; raise ConfigError listing every problem."""
    from study.presets import preset_path

    if (path is None) == (preset is None):
        raise ConfigError(["give a spec file or --preset NAME (exactly one)"], "study launch")
    data = load_yaml(path or preset_path(preset))
    data = deep_merge(data, {k: v for k, v in (overrides or {}).items() if v is not None})
    return spec_from_dict(data)


def spec_from_dict(data: dict[str, Any]) -> Study:
    """Validate a spec and every trial it expands to; one ConfigError lists all problems."""
    problems: list[str] = []
    try:
        spec: StudySpec | None = build(StudySpec, data, "study spec")
    except ConfigError as exc:  # keep going: the trials may have problems of their own
        problems.extend(exc.problems)
        spec = None
    view = spec or _lenient_view(data)
    trials = expand_trials(view.variants, view.space, view.num_samples, view.sampler_seed,
                           problems)
    for trial in trials:
        try:
            trial_config = build(TrainConfig, deep_merge(view.base, trial.config_overrides()),
                                 "training config")
        except ConfigError as exc:
            problems.extend(f"{trial.label()}: {p}" for p in exc.problems)
            continue
        trial.train_config = to_dict(trial_config)
    if spec is not None:
        problems.extend(_scheduler_problems(spec, trials))
    if problems or spec is None:
        raise ConfigError(_dedupe(problems), "study spec")
    return Study(spec, trials)


@dataclass
class _LenientView:
    variants: list[Any]
    space: dict[str, Any]
    base: dict[str, Any]
    num_samples: int
    sampler_seed: int


def _lenient_view(data: Any) -> _LenientView:
    """The trial-shaping fields of a spec that failed validation, where usable."""
    data = data if isinstance(data, dict) else {}

    def pick(key: str, kind: type, default: Any) -> Any:
        value = data.get(key, default)
        return value if isinstance(value, kind) and not isinstance(value, bool) else default
    return _LenientView(pick("variants", list, [{}]), pick("space", dict, {}),
                        pick("base", dict, {}), max(1, pick("num_samples", int, 1)),
                        pick("sampler_seed", int, 0))


def _scheduler_problems(spec: StudySpec, trials: list[TrialPlan]) -> list[str]:
    sched = spec.scheduler
    if sched.type == "none" or not trials or any(t.train_config is None for t in trials):
        return []
    if sched.time_attr == "epoch":
        most = max(t.total_epochs() for t in trials)
        if sched.grace_period >= most:
            return [f"scheduler.grace_period: {sched.grace_period} epochs is not below the "
                    f"longest trial ({most} epochs), so ASHA could never stop a trial; lower it "
                    "or use scheduler.type: none"]
    return []


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
