"""The double-clickable app: build spec, self-test, desktop entry, icon, light start-up imports.

Fast checks only; the full PyInstaller build and its frozen self-test run in ``./dev dist``
(``packaging/build.sh``), which CI calls.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.readers import MODULES
from bench.workloads.startup import launch
from gui.main_window import TABS
from gui.selftest import Expect, _check, _check_tab

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("statsmodels", "wrds", "pandas_datareader")


def _spec_lists() -> dict[str, list[str]]:
    """The string entries of every top-level list assigned in build.spec (it only runs inside PyInstaller)."""
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    lists = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            names = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
            lists[node.targets[0].id] = names
    return lists


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_spec_keeps_dynamic_imports():
    """pyqtgraph's dynamic Qt OpenGL imports and SQLAlchemy's PostgreSQL driver are hidden imports, never excluded."""
    lists = _spec_lists()
    dynamic = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "psycopg2", "sqlalchemy.dialects.postgresql.psycopg2")
    for module in dynamic:
        assert module in lists["HIDDEN_IMPORTS"]
        assert module not in lists["EXCLUDES"]
    assert {"tkinter", "IPython", "PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "pytest"} <= set(lists["EXCLUDES"])


def test_spec_collects_modules_imported_by_name():
    """Every tab, and every reader module imported by name (importlib), lives in a package the spec collects whole."""
    packages = set(_spec_lists()["OUR_PACKAGES"])
    named = [cls.__module__ for cls in TABS] + list(MODULES)
    assert all(module.split(".")[0] in packages for module in named), named


def test_check_flags_a_changed_number():
    """A stored number off by more than 1e-6 is a failure naming the cell; within 1e-6 passes."""
    tables = {"summary": pd.DataFrame({"fund": ["A", "B"], "alpha": [0.01, 0.02]})}
    assert _check(tables, Expect("summary", "fund", "B", "alpha", 0.0200005)) is None
    problem = _check(tables, Expect("summary", "fund", "B", "alpha", 0.021))
    assert problem is not None and "summary[B].alpha" in problem
    assert "missing" in _check(tables, Expect("summary", "fund", "B", "beta", 1.0))


def test_tab_without_stored_numbers_needs_tables():
    """A tab newer than its stored numbers passes when it produced a table, fails when it produced nothing."""
    assert _check_tab("A new tab", {"main": pd.DataFrame({"x": [1.0]})}) == (1, [])
    assert _check_tab("A new tab", {})[1] == ["A new tab: no result tables"]


def test_selftest_from_source_passes():
    """``main.py --selftest`` runs the demo workspace through the tabs, checks the numbers and says ok in one line."""
    done = _run(["main.py", "--selftest"], timeout=600)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("selftest ok:") and "Fund regression" in lines[0], lines


def test_first_paint_hook_exits():
    """With FACTORDESK_EXIT_AFTER_PAINT the app prints its launch-to-first-paint time and exits 0."""
    line = launch([sys.executable, "main.py"])
    assert float(line.removeprefix("first paint after ").removesuffix(" s")) > 0


def test_gui_import_stays_light():
    """Importing the GUI and its tabs does not import statsmodels, wrds or pandas-datareader (loaded when used)."""
    tabs = ", ".join(cls.__module__ for cls in TABS)
    code = f"import json, sys, gui.app, {tabs}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = _run(["-c", code], timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_desktop_entry_is_valid():
    """The Linux desktop entry has the keys the freedesktop spec requires, with well-formed values."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read(ROOT / "resources" / "factordesk.desktop", encoding="utf-8")
    assert parser.sections() == ["Desktop Entry"]
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "FactorDesk"
    assert entry["Exec"] and entry["Icon"] == Path("factordesk.png").stem
    assert entry["Terminal"] in ("true", "false")
    for key in ("Categories", "Keywords"):
        assert entry[key].endswith(";"), key
    assert "Office" in entry["Categories"].split(";")


def test_icon_png_is_256_px(qapp):
    """The committed PNG icon is the 256 px rendering that the desktop entry and the build use."""
    from PySide6.QtGui import QImage

    image = QImage(str(ROOT / "resources" / "factordesk.png"))
    assert not image.isNull() and (image.width(), image.height()) == (256, 256)
    assert image.pixelColor(128, 128).alpha() == 255 and image.pixelColor(0, 0).alpha() == 0


@pytest.mark.parametrize("script", ["packaging/build.sh"])
def test_build_script_is_valid_bash(script):
    """The build script parses (``bash -n``), so ``./dev dist`` fails only on real build problems."""
    done = subprocess.run(["bash", "-n", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
