"""Run analytics jobs on the Qt thread pool, with progress and cancel.

A job is a generator from :mod:`analytics` that yields progress and returns its result.
Each :class:`JobRunner` runs one job at a time on a superqt ``GeneratorWorker`` (a
``QRunnable`` on ``QThreadPool.globalInstance()``); the worker checks the abort flag between
yields, so cancel takes effect within one chunk of work, and an aborted job never delivers a
result, so the previous results stay on screen. Errors go to the :class:`Notifier`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from analytics.jobs import Job, Progress
from gui.notifier import Notifier

__all__ = ["JobRunner", "shutdown_pool"]


class JobRunner(QObject):
    """Starts jobs, relays their progress, and delivers results or errors."""

    sigStarted = Signal(str)  # label
    sigProgress = Signal(float, str)  # fraction, message
    sigFinished = Signal(object)  # the job's result
    sigFailed = Signal(object)  # the exception
    sigCancelled = Signal()
    sigBusyChanged = Signal(bool)

    def __init__(self, notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier
        #: Request field -> the label users know it by, for wording the job's input errors.
        self.option_names: dict[str, str] = {}
        self._worker: Any = None  # the running superqt GeneratorWorker

    @property
    def busy(self) -> bool:
        """Whether a job is running (or cancelling)."""
        return self._worker is not None

    def submit(self, job_factory: Callable[[], Job[Any]], label: str) -> bool:
        """Run ``job_factory()``'s job unless one is running; returns whether it started."""
        if self.busy:
            return False
        from superqt.utils import GeneratorWorker  # on first use: importing superqt takes ~0.4 s

        worker = GeneratorWorker(_drive, job_factory)
        worker.yielded.connect(self._on_yielded)
        worker.returned.connect(self.sigFinished)
        worker.errored.connect(self._on_errored)
        worker.aborted.connect(self.sigCancelled)
        worker.finished.connect(self._on_finished)
        self._worker = worker
        self.sigBusyChanged.emit(True)
        self.sigStarted.emit(label)
        worker.start()
        return True

    def cancel(self) -> None:
        """Ask the running job to stop at its next progress report."""
        if self._worker is not None:
            self._worker.quit()

    def _on_yielded(self, step: object) -> None:
        if isinstance(step, Progress):
            self.sigProgress.emit(step.fraction, step.message)

    def _on_errored(self, exc: BaseException) -> None:
        self.sigFailed.emit(exc)
        self.notifier.error(exc, self.option_names)

    def _on_finished(self) -> None:
        self._worker = None
        self.sigBusyChanged.emit(False)


class JobRuntimeError(Exception):
    """A RuntimeError raised by a job, re-raised under another type.

    superqt's worker takes any RuntimeError for "the worker object was deleted" and drops it
    with a warning, so a job's own RuntimeError would never reach the user.
    """


def _drive(job_factory: Callable[[], Job[Any]]) -> Job[Any]:
    """The worker's generator function: builds the job on the worker thread and runs it."""
    try:
        return (yield from job_factory())
    except RuntimeError as exc:
        raise JobRuntimeError(f"RuntimeError: {exc}") from exc


def shutdown_pool(runners: list[JobRunner], timeout_ms: int = 3000) -> bool:
    """Cancel every running job and wait for the pool to drain (window close).

    Each job is first disconnected from its runner: one that cannot stop within ``timeout_ms``
    (a long read inside a library, between two progress reports) then ends in the background
    and delivers nothing to the closed window (before, it raised "Signal source has been deleted").
    """
    for runner in runners:
        runner.cancel()
        worker, runner._worker = runner._worker, None
        for signal in (
            () if worker is None else (worker.yielded, worker.returned, worker.errored, worker.aborted, worker.finished)
        ):
            with contextlib.suppress(RuntimeError, TypeError):  # nothing left to disconnect
                signal.disconnect()
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
