"""Start the GUI: the window, the first workspace, and the off-screen screenshot mode.

``--screenshot DIR`` renders every tab with the demo workspace off screen and saves
``DIR/<tab>.png``; it is how we (and CI) look at what we build. ``--size WxH`` sets the
window's size (e.g. a laptop's 1024x700), ``--open FILE`` uses that file instead of the demo
(tabs whose inputs it does not provide show why they are empty).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from PySide6.QtCore import QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from gui.application import create_app, wait_until_idle
from gui.first_paint import on_first_paint
from gui.main_window import MainWindow
from gui.notifier import setup_logging
from gui.selftest import exit_after_first_paint, run_selftest

__all__ = ["create_app", "finish", "run_gui", "show_and_restore", "wait_until_idle"]


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


def _size(text: str) -> tuple[int, int]:
    """``1024x700`` as (1024, 700)."""
    match = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write WIDTHxHEIGHT, e.g. 1024x700")
    return int(match[1]), int(match[2])


def screenshot_mode(window: MainWindow, folder: Path, size: tuple[int, int], files: list[str]) -> int:
    """Fill the window (demo, or ``files`` with every tab run on what they provide), save a PNG
    of every tab at exactly ``size`` and close."""
    window.resize(*size)
    window.show()
    if files:
        window.open_files(files)
    else:
        window.load_demo()
    if not wait_until_idle(window):
        print("error: loading did not finish in time", file=sys.stderr)
        return 1
    if files:
        for tab in window.analysis_tabs:
            tab.run(quiet=True)
        if not wait_until_idle(window):
            print("error: the analyses did not finish in time", file=sys.stderr)
            return 1
    for path in take_screenshots(window, folder):
        print(path)
    if window.size().toTuple() != size:
        print(
            f"warning: the window is {window.width()}x{window.height()}, not {size[0]}x{size[1]} "
            "(its minimum size is larger)",
            file=sys.stderr,
        )
    window.close()
    return 0


def run_gui(argv: list[str]) -> int:
    """``main.py`` with no subcommand: the window, ``--screenshot DIR`` or ``--selftest``."""
    parser = argparse.ArgumentParser(prog="factordesk")
    parser.add_argument("--screenshot", metavar="DIR", help="save a PNG of every tab (demo data) and exit")
    parser.add_argument(
        "--size",
        metavar="WxH",
        default="1440x900",
        type=_size,
        help="with --screenshot: the window's size in pixels (default 1440x900)",
    )
    parser.add_argument(
        "--open",
        metavar="FILE",
        action="append",
        default=[],
        help="with --screenshot: load FILE (repeatable) instead of the demo workspace",
    )
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="run every tab on the demo data off screen, check the numbers, print one line and exit",
    )
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
        return screenshot_mode(window, Path(args.screenshot), args.size, args.open)
    exit_after_first_paint(window)
    show_and_restore(window)
    return finish(app.exec())


def finish(code: int) -> NoReturn:
    """End the process as soon as the window has closed (its jobs were cancelled).

    A job may still be inside a long read that cannot stop between progress reports, and Qt
    would wait for it when the thread pool is destroyed at exit; Python's own teardown of Qt and
    the loaded data adds seconds on a busy machine. Neither does anything useful: the settings
    are synced here, the log is flushed, and everything else FactorDesk writes is atomic
    (exports, the store), so ending the process at once is safe.
    """
    QThreadPool.globalInstance().waitForDone(100)  # a job about to stop at its next report
    QSettings().sync()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def show_and_restore(window: MainWindow) -> None:
    """Show the window; once it has painted, reopen last session's files (or the demo)."""
    on_first_paint(window, lambda: QTimer.singleShot(0, window.restore_workspace))
    window.show()
