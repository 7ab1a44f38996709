"""Long computations as generators that yield progress and return a result.

A job is a generator function: it yields :class:`Progress` between chunks of work and
``return``s its result. The GUI runs it on a superqt ``GeneratorWorker`` (which checks the
abort flag between yields, so cancel is honoured within one chunk); the command line and
the tests simply drain it with :func:`run`. Keeping the protocol a plain generator keeps
this package free of Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Job", "Progress", "run"]

R = TypeVar("R")


@dataclass(frozen=True)
class Progress:
    """How far a job has come: ``fraction`` in [0, 1] and what it is doing now."""

    fraction: float
    message: str = ""


Job = Generator[Progress, None, R]


def run(job: Job[R], on_progress: Callable[[Progress], None] | None = None) -> R:
    """Drive a job to completion and return its result (the CLI's and the tests' path)."""
    while True:
        try:
            step = next(job)
        except StopIteration as stop:
            result: R = stop.value  # a generator's return value is untyped in StopIteration
            return result
        if on_progress is not None:
            on_progress(step)
