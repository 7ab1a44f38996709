"""One version, in pyproject.toml: ``--version``, the About dialog and the change log agree with it.

The expected lines are built here from the sources themselves (pyproject.toml read with
tomllib, the interpreter, Qt's runtime, numpy and pandas), not from the app's helpers.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy
import pandas
from PySide6.QtCore import qVersion

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
LIBRARIES = (
    f"Python {platform.python_version()}, Qt {qVersion()}, numpy {numpy.__version__}, pandas {pandas.__version__}"
)


def test_version_flag_prints_one_line():
    """``python main.py --version`` prints the version and the libraries' in one line and exits 0."""
    done = subprocess.run(
        [sys.executable, "main.py", "--version"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"FactorDesk {VERSION} ({LIBRARIES})\n"


def test_version_is_written_once():
    """pyproject.toml is the only file that states the version: no module or spec repeats it."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    sources = [
        *ROOT.glob("*.py"),
        ROOT / "build.spec",
        *(p for d in ("analytics", "gui", "cli") for p in (ROOT / d).rglob("*.py")),
    ]
    quoted = re.compile(rf"""["']{re.escape(VERSION)}["']""")
    stating = [p.name for p in sources if quoted.search(p.read_text(encoding="utf-8"))]
    assert stating == []


def test_change_log_has_this_version():
    """CHANGELOG.md has a section for the version being built (its release notes)."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(VERSION)}\]", changelog, re.MULTILINE)


def test_about_dialog_shows_the_versions(qtbot, factordesk_home):
    """Help > About opens a dialog naming FactorDesk's version and Python's, Qt's, numpy's and pandas'."""
    from PySide6.QtWidgets import QMessageBox

    from gui.app import create_app
    from gui.main_window import MainWindow

    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help")
    next(a for a in help_menu.actions() if a.text() == "About FactorDesk").trigger()
    box = window.findChild(QMessageBox)
    qtbot.waitUntil(box.isVisible)
    text = re.sub(r"<[^>]+>", " ", box.text())
    assert f"FactorDesk {VERSION}" in text
    assert LIBRARIES in text
    box.close()
