"""Task schedules: which tasks ("alignment", "sj") an epoch trains. One registry.

`epochs` in the config counts passes per task: simultaneous runs `epochs` epochs with both tasks
every step; the sequential schedules give each task `epochs` passes, so they run 2 x epochs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mo_orpo.registry import lookup

Tasks = tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    epochs_per_task_pass: int  # total epochs = epochs * this
    tasks_for_epoch: Callable[[int, int, Sequence[str]], Tasks]

    def total_epochs(self, epochs: int) -> int:
        return epochs * self.epochs_per_task_pass


def _simultaneous(epoch: int, epochs: int, order: Sequence[str]) -> Tasks:
    return ("alignment", "sj")


def _epoch_by_epoch(epoch: int, epochs: int, order: Sequence[str]) -> Tasks:
    """order[0], order[1], order[0], ... alternating every epoch."""
    return (order[epoch % 2],)


def _task_by_task(epoch: int, epochs: int, order: Sequence[str]) -> Tasks:
    """All `epochs` passes of order[0], then all of order[1]."""
    return (order[0] if epoch < epochs else order[1],)


SCHEDULES: dict[str, Schedule] = {
    "simultaneous": Schedule(1, _simultaneous),
    "epoch_by_epoch": Schedule(2, _epoch_by_epoch),
    "task_by_task": Schedule(2, _task_by_task),
}


def get_schedule(name: str) -> Schedule:
    """The registered schedule `name`; an unknown name lists the valid ones."""
    return lookup(SCHEDULES, name, "schedule")
