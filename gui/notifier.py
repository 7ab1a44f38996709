"""One place for errors: bad input, worker crashes and uncaught exceptions.

Bad input (:class:`~analytics.errors.InputError`) gets a plain warning dialog with its one
sentence. Anything else is a bug: it gets an error dialog whose details hold a copyable
report, and the same report goes to a log file in the user's log folder. Dialogs are opened
window-modal but non-blocking (``open()``), so a running job or a test never waits on them,
and the user's loaded data and results stay as they were.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from analytics.data.paths import log_dir
from analytics.errors import InputError
from gui.resources import APP_NAME, APP_VERSION

__all__ = ["Notifier", "setup_logging"]

log = logging.getLogger("factordesk")


def setup_logging() -> Path:
    """Log to ``factordesk.log`` in the user's log folder; returns its path."""
    path = log_dir() / "factordesk.log"
    if not any(isinstance(h, logging.FileHandler) for h in log.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return path


class Notifier(QObject):
    """Shows errors to the user and records them; ``history`` keeps (level, text) for tests."""

    sigNotified = Signal(str, str)  # level, message

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.history: list[tuple[str, str]] = []
        self.last_dialog: QMessageBox | None = None

    def error(self, exc: BaseException, names: Mapping[str, str] | None = None) -> None:
        """Route an exception: bad input as a warning (its option named as in ``names``: the
        labels of the controls), anything else as a crash report."""
        if isinstance(exc, InputError):
            self.warn(exc.worded(names or {}))
        else:
            self.crash(exc)

    def warn(self, message: str) -> None:
        """A warning dialog with one sentence (bad input)."""
        log.warning(message)
        self._show(QMessageBox.Icon.Warning, "Cannot use this input", message, None)
        self._record("warning", message)

    def crash(self, exc: BaseException) -> None:
        """An error dialog with a copyable report, also written to a crash file."""
        report = self.report(exc)
        path = log_dir() / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
        try:
            path.write_text(report, encoding="utf-8")
            where = f"A report was saved to {path}."
        except OSError:
            where = "The report could not be saved; copy it from the details."
        log.error(report)
        message = f"Something went wrong: {type(exc).__name__}: {exc}\n\n{where} Your data and results are unchanged."
        self._show(QMessageBox.Icon.Critical, "Unexpected error", message, report)
        self._record("error", message)

    @staticmethod
    def report(exc: BaseException) -> str:
        """Version, platform and traceback: what a bug report needs."""
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return f"{APP_NAME} {APP_VERSION} on Python {platform.python_version()} ({platform.platform()})\n\n{tb}"

    def install_excepthook(self) -> None:
        """Uncaught exceptions on the GUI thread become crash dialogs instead of silent aborts."""
        sys.excepthook = lambda etype, value, tb: self.crash(value.with_traceback(tb))

    def _show(self, icon: QMessageBox.Icon, title: str, text: str, details: str | None) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent)
        if details:
            box.setDetailedText(details)
        box.setTextInteractionFlags(box.textInteractionFlags())
        box.open()
        self.last_dialog = box

    def _record(self, level: str, message: str) -> None:
        self.history.append((level, message))
        self.sigNotified.emit(level, message)
