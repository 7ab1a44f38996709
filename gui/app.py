"""Start the GUI: the window, the first workspace, and the off-screen screenshot mode.

``--screenshot DIR`` renders every tab with the demo workspace off screen and saves
``DIR/<tab>.png``; it is how we (and CI) look at what we build.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from gui.first_paint import on_first_paint
from gui.main_window import MainWindow
from gui.notifier import setup_logging
from gui.resources import APP_NAME, APP_VERSION
from gui.selftest import exit_after_first_paint, run_selftest

__all__ = ["run_gui", "create_app", "wait_until_idle", "show_and_restore"]


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
    """Process events until no job of the window runs and every tab has a result (or time out)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        busy = any(r.busy for r in window.runners())
        if not busy and window.workspace.datasets():
            return True
        time.sleep(0.02)
    return False


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def take_screenshots(window: MainWindow, folder: Path) -> list[Path]:
    """Save a PNG of every tab of ``window`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        for _ in range(5):
            QApplication.processEvents()
        path = folder / f"{_slug(window.tabs.tabText(index))}.png"
        window.grab().save(str(path))
        saved.append(path)
    return saved


def run_gui(argv: list[str]) -> int:
    """``main.py`` with no subcommand: the window, ``--screenshot DIR`` or ``--selftest``."""
    parser = argparse.ArgumentParser(prog="factordesk")
    parser.add_argument("--screenshot", metavar="DIR", help="save a PNG of every tab (demo data) and exit")
    parser.add_argument("--selftest", action="store_true",
                        help="run every tab on the demo data off screen, check the numbers, print one line and exit")
    args, qt_args = parser.parse_known_args(argv)
    if args.selftest:
        return run_selftest(qt_args)
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_app(qt_args)
    setup_logging()
    window = MainWindow()
    window.notifier.install_excepthook()
    if args.screenshot:
        window.resize(1440, 900)
        window.show()
        window.load_demo()
        if not wait_until_idle(window):
            print("error: the demo jobs did not finish in time", file=sys.stderr)
            return 1
        for path in take_screenshots(window, Path(args.screenshot)):
            print(path)
        window.close()
        return 0
    exit_after_first_paint(window)
    show_and_restore(window)
    return app.exec()


def show_and_restore(window: MainWindow) -> None:
    """Show the window; once it has painted, reopen last session's files (or the demo)."""
    on_first_paint(window, lambda: QTimer.singleShot(0, window.restore_workspace))
    window.show()
