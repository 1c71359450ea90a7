"""Name lookups in the library's registries (strategies, schedules, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(registry: Mapping[str, T], name: str, kind: str) -> T:
    """`registry[name]`; an unknown name is a ValueError that lists the valid ones."""
    try:
        return registry[name]
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; valid {kind} names: "
                         f"{', '.join(registry)}") from None
