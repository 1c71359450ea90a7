"""Typed configuration dataclasses built from plain dicts, with every problem reported at once.

Config classes are ordinary dataclasses. Each field documents itself through `option(...)`:
its help text, and optional bounds. Choices are expressed with `Literal[...]` types. A class
may add cross-field rules in a `problems(self) -> list[str]` method.

`build(cls, data)` walks the whole tree and collects every problem (unknown key, wrong type,
value out of range, choice not allowed, cross-field rule) before raising one `ConfigError`
that names each field by its dotted path, the value received and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml

from mo_orpo.errors import UserError

T = TypeVar("T")

_MISSING = dataclasses.MISSING


class ConfigError(UserError, ValueError):
    """A configuration has one or more problems; `problems` lists each as one line."""

    def __init__(self, problems: list[str], what: str = "configuration") -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid {what} ({len(problems)} problem(s)):\n{lines}")


def option(
    default: Any = _MISSING,
    *,
    help: str,
    default_factory: Any = _MISSING,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: Callable[[], Iterable[Any]] | None = None,
) -> Any:
    """A dataclass field with a help text, optional numeric bounds, and optionally the allowed
    values as a function (e.g. the keys of a registry, looked up when a config is built)."""
    metadata = {"help": help, "ge": ge, "gt": gt, "le": le, "lt": lt, "choices": choices}
    if default_factory is not _MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def build(cls: type[T], data: Mapping[str, Any] | None, what: str = "configuration") -> T:
    """Build `cls` from `data`, raising ConfigError with every problem found."""
    problems: list[str] = []
    value = _build_dataclass(cls, data or {}, "", problems)
    if problems:
        raise ConfigError(problems, what)
    return value


def to_dict(config: Any) -> dict[str, Any]:
    """The plain-dict form of a config (round-trips through `build`)."""
    return dataclasses.asdict(config)


def describe(cls: type, prefix: str = "") -> list[tuple[str, str, Any, str]]:
    """(dotted name, type, default, help) for every leaf field: used for docs and --help."""
    rows = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        name = f"{prefix}{f.name}"
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            rows.extend(describe(hint, name + "."))
            continue
        default = f.default if f.default is not _MISSING else (
            f.default_factory() if f.default_factory is not _MISSING else None)
        rows.append((name, _type_name(hint), default, f.metadata.get("help", "")))
    return rows


# ---------------------------------------------------------------- overrides


def parse_overrides(assignments: Iterable[str]) -> dict[str, Any]:
    """Turn `["loss.w1=0.6", "model.lora.enabled=true"]` into a nested dict (values parsed as YAML)."""
    nested: dict[str, Any] = {}
    problems = []
    for item in assignments:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            problems.append(f"--set {item!r}: expected KEY=VALUE, e.g. loss.w1=0.6")
            continue
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            problems.append(f"--set {item!r}: value is not valid YAML ({exc.__class__.__name__})")
            continue
        set_dotted(nested, key.strip(), value)
    if problems:
        raise ConfigError(problems, "--set overrides")
    return nested


def set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `tree[a][b][c] = value` for `dotted = "a.b.c"`, creating levels as needed."""
    *parents, leaf = dotted.split(".")
    node = tree
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `base` with `update` merged in (nested dicts merge, other values replace)."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_yaml(path: str) -> dict[str, Any]:
    """Read a YAML mapping from `path` with an error that names the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"], "config file") from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {exc}"], "config file") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: top level must be a mapping, got {type(data).__name__}"],
                          "config file")
    return data


# ---------------------------------------------------------------- internals


def _build_dataclass(cls: type, data: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(data, Mapping):
        problems.append(f"{path or '(top level)'}: expected a mapping of fields, got "
                        f"{type(data).__name__} {data!r}")
        return None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{path}{key}: unknown field{hint} (allowed: {', '.join(fields)})")
    kwargs = {}
    before = len(problems)
    for name, f in fields.items():
        dotted = f"{path}{name}"
        if name in data:
            kwargs[name] = _convert(hints[name], data[name], dotted, problems)
            _check_bounds(f, kwargs[name], dotted, problems)
            _check_choices(f, kwargs[name], dotted, problems)
        elif dataclasses.is_dataclass(hints[name]) and f.default_factory is not _MISSING:
            kwargs[name] = _build_dataclass(hints[name], {}, dotted + ".", problems)
        elif f.default is _MISSING and f.default_factory is _MISSING:
            problems.append(f"{dotted}: required field is missing ({f.metadata.get('help', '')})")
    if len(problems) > before:
        return None
    instance = cls(**kwargs)
    for rule in getattr(instance, "problems", lambda: [])():
        problems.append(f"{path}{rule}")
    return instance


def _convert(hint: Any, value: Any, path: str, problems: list[str]) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _build_dataclass(hint, value, path + ".", problems)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return _convert(non_none[0], value, path, problems)
        for candidate in non_none:
            trial: list[str] = []
            converted = _convert(candidate, value, path, trial)
            if not trial:
                return converted
        problems.append(f"{path}: got {value!r}; expected {_type_name(hint)}")
        return None
    if origin is Literal:
        if value not in args:
            allowed = ", ".join(repr(a) for a in args)
            problems.append(f"{path}: got {value!r}; allowed values: {allowed}")
        return value
    if origin in (list, tuple) or hint in (list, tuple):
        if not isinstance(value, (list, tuple)):
            problems.append(f"{path}: got {value!r}; expected a list of {_type_name(args[0]) if args else 'values'}")
            return None
        item_hint = args[0] if args else Any
        return [_convert(item_hint, v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if origin is dict or hint is dict:
        if not isinstance(value, Mapping):
            problems.append(f"{path}: got {value!r}; expected a mapping")
            return None
        value_hint = args[1] if len(args) == 2 else Any
        return {k: _convert(value_hint, v, f"{path}.{k}", problems) for k, v in value.items()}
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            problems.append(f"{path}: got {value!r}; expected true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: got {value!r}; expected an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            # YAML reads "5e-6" (no dot) as a string: accept numeric strings.
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            problems.append(f"{path}: got {value!r}; expected a number")
            return value
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            problems.append(f"{path}: got {value!r}; expected a string")
        return value
    raise TypeError(f"config field {path}: unsupported type {hint!r}")


def _check_bounds(f: dataclasses.Field, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    meta = f.metadata
    checks = [("ge", ">=", lambda a, b: a >= b), ("gt", ">", lambda a, b: a > b),
              ("le", "<=", lambda a, b: a <= b), ("lt", "<", lambda a, b: a < b)]
    failed = [(sym, meta[key]) for key, sym, ok in checks
              if meta.get(key) is not None and not ok(value, meta[key])]
    if failed:
        allowed = " and ".join(f"{sym} {bound}" for sym, bound in
                               [(s, meta[k]) for k, s, _ in checks if meta.get(k) is not None])
        problems.append(f"{path}: got {value!r}; must be {allowed}")


def _check_choices(f: dataclasses.Field, value: Any, path: str, problems: list[str]) -> None:
    choices = f.metadata.get("choices")
    if choices is None or not isinstance(value, str):
        return
    allowed = list(choices())
    if value not in allowed:
        problems.append(f"{path}: got {value!r}; allowed values: "
                        f"{', '.join(repr(a) for a in allowed)}")


def _type_name(hint: Any) -> str:
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type_name(a) for a in args)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    return getattr(hint, "__name__", str(hint))
