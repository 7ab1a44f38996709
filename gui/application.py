"""The QApplication with FactorDesk's names, and waiting until a window's jobs are done.

Shared by the window's start-up (``gui.app``) and the self-test (``gui.selftest``), which
``gui.app`` imports: here, neither needs the other.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from gui.resources import APP_NAME, APP_VERSION

if TYPE_CHECKING:
    from gui.main_window import MainWindow

__all__ = ["create_app", "wait_until_idle"]


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with our names (QSettings keys); settings go under FACTORDESK_HOME if set."""
    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(APP_VERSION)
    home = os.environ.get("FACTORDESK_HOME")
    if home:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(Path(home) / "settings"))
    return app


def wait_until_idle(window: MainWindow, timeout_s: float = 120.0) -> bool:
    """Process events until no job of the window runs and its workspace holds data (or time out)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        busy = any(r.busy for r in window.runners())
        if not busy and window.workspace.datasets():
            return True
        time.sleep(0.02)
    return False
