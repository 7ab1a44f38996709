"""The double-clickable app: build spec, size budget, self-test, CI workflow, desktop entry,
icon, light start-up imports.

Fast checks only; the full PyInstaller build and its frozen self-test run in ``./dev dist``
(``packaging/build.sh``), which CI calls; ``./dev test`` also checks the workflow file against
GitHub's schema.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from analytics.data.readers import MODULES
from bench.workloads.startup import launch
from gui.main_window import TABS
from gui.selftest import Expect, _check, _check_tab, load_expected

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("statsmodels", "wrds", "pandas_datareader", "scipy")


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
    return subprocess.run(
        [sys.executable, *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _sizes_module() -> ModuleType:
    """packaging/sizes.py, loaded by path (``packaging`` is also pypa's package, so it is no package here)."""
    spec = importlib.util.spec_from_file_location("factordesk_sizes", ROOT / "packaging" / "sizes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spec_keeps_dynamic_imports():
    """pyqtgraph's dynamic Qt OpenGL imports and SQLAlchemy's PostgreSQL driver are hidden imports, never excluded."""
    lists = _spec_lists()
    dynamic = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "psycopg2", "sqlalchemy.dialects.postgresql.psycopg2")
    for module in dynamic:
        assert module in lists["HIDDEN_IMPORTS"]
        assert module not in lists["EXCLUDES"]
    assert {"tkinter", "IPython", "PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "pytest"} <= set(lists["EXCLUDES"])


def _spec_call_keyword(function: str, keyword: str) -> object:
    """The literal value of ``keyword`` in build.spec's call of ``function`` (e.g. Analysis's datas)."""
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
            return next(ast.literal_eval(k.value) for k in node.keywords if k.arg == keyword)
    raise AssertionError(f"build.spec does not call {function}")


def test_spec_bundles_the_version_and_the_expected_numbers():
    """The frozen app reads the version from the bundled pyproject.toml and the self-test's numbers
    from the bundled JSON, where ``gui/resources.py`` and ``gui/selftest.py`` look for them."""
    datas = _spec_call_keyword("Analysis", "datas")
    assert ("pyproject.toml", ".") in datas
    assert ("gui/selftest_expected.json", "gui") in datas


def test_spec_keeps_only_scipy_special():
    """scipy's packages other than special (and its _lib) are excluded: the app uses special's t, F, normal."""
    import pkgutil

    import scipy

    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    kept = ast.literal_eval(re.search(r"^SCIPY_KEPT = (\[.*\])$", spec, re.MULTILINE).group(1))
    assert kept == ["special", "_lib"]
    assert {m.name for m in pkgutil.iter_modules(scipy.__path__) if m.ispkg} > {"stats", "optimize", "linalg"}


def test_spec_collects_modules_imported_by_name():
    """Every tab, and every reader module imported by name (importlib), lives in a package the spec collects whole."""
    packages = set(_spec_lists()["OUR_PACKAGES"])
    named = [cls.__module__ for cls in TABS] + list(MODULES)
    assert all(module.split(".")[0] in packages for module in named), named


def test_check_flags_a_changed_number():
    """A stored number off by more than 1e-8 is a failure naming the cell; within 1e-8 passes."""
    tables = {"summary": pd.DataFrame({"fund": ["A", "B"], "alpha": [0.01, 0.02]})}
    assert _check(tables, Expect("summary", "fund", "B", "alpha", 0.020000000005)) is None
    problem = _check(tables, Expect("summary", "fund", "B", "alpha", 0.02000005))
    assert problem is not None and "summary[B].alpha" in problem
    assert "missing" in _check(tables, Expect("summary", "fund", "B", "beta", 1.0))


def test_tab_without_stored_numbers_needs_tables():
    """A tab newer than its stored numbers passes when it produced a table, fails when it produced nothing."""
    assert _check_tab("A new tab", {"main": pd.DataFrame({"x": [1.0]})}, {}) == (1, [])
    assert _check_tab("A new tab", {}, {})[1] == ["A new tab: no result tables"]


def test_every_analysis_has_stored_numbers():
    """The stored numbers cover the three analyses, several numbers each (computed by statsmodels)."""
    expected = load_expected()
    assert {"Fund regression", "Holdings exposures", "Characteristic-adjusted returns"} <= set(expected)
    assert all(len(numbers) >= 6 for numbers in expected.values())


def test_selftest_from_source_passes():
    """``main.py --selftest`` runs the demo workspace through the tabs, checks the numbers and says ok in one line."""
    done = _run(["main.py", "--selftest"], timeout=600)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("selftest ok:") and "Fund regression" in lines[0], lines


BROKEN_TAB = """
import sys
from analytics.errors import InputError
from gui.tabs.exposures_tab import ExposuresTab
import main

def refuse(self):
    raise InputError("no holdings loaded; open a holdings file.")

ExposuresTab.make_job = refuse
sys.exit(main.main(["--selftest"]))
"""


def test_selftest_fails_naming_a_tab_that_cannot_run():
    """A tab that produces no result fails the self-test (exit 1) with one line naming the tab and why."""
    done = _run(["-c", BROKEN_TAB], timeout=600)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("selftest FAILED: Holdings exposures: no result"), lines
    assert "no holdings loaded" in lines[0]


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


@pytest.mark.parametrize("script", ["packaging/build.sh", "dev"])
def test_build_script_is_valid_bash(script):
    """The build scripts parse (``bash -n``), so ``./dev dist`` fails only on real build problems."""
    done = subprocess.run(["bash", "-n", script], check=False, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _file(path: Path, megabytes: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * int(megabytes * 1024**2))


def test_sizes_group_a_package_with_its_libraries(tmp_path):
    """A package counts with its ``.libs`` folder and dist-info; loose libraries and Python are parts of their own."""
    build = tmp_path / "FactorDesk"
    _file(build / "FactorDesk", 2)
    _file(build / "_internal" / "numpy" / "core.so", 3)
    _file(build / "_internal" / "numpy.libs" / "libopenblas.so", 4)
    _file(build / "_internal" / "numpy-2.4.6.dist-info" / "RECORD", 0.5)
    _file(build / "_internal" / "libcrypto.so.3", 1)
    _file(build / "_internal" / "libpython3.11.so.1.0", 1)
    _file(build / "_internal" / "python3.11" / "lib-dynload" / "_ssl.so", 1)
    sizes = {name: size / 1024**2 for name, size in _sizes_module().part_sizes(build).items()}
    assert sizes == {"FactorDesk": 2, "numpy": 7.5, "system libraries": 1, "Python": 2}


def test_sizes_fail_over_budget_listing_the_largest_parts(tmp_path, capsys):
    """Over budget: exit 1, the total, and the largest parts largest first; within budget: exit 0."""
    build = tmp_path / "FactorDesk"
    for name, megabytes in {"big": 3, "small": 1, "middle": 2}.items():
        _file(build / "_internal" / name / "x.so", megabytes)
    sizes_main = _sizes_module().main
    assert sizes_main([str(build), "--budget", "5", "--top", "2"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{build}: 6 MB (budget 5 MB)", "      3.0 MB  big", "      2.0 MB  middle"]
    assert "1 MB over the 5 MB budget" in err
    assert sizes_main([str(build), "--budget", "6"]) == 0


def test_workflow_builds_every_platform_and_releases_tags():
    """CI builds on Linux, Windows and macOS with the local script (``./dev dist`` / build.sh), uploads
    the zips, and a v* tag releases them after every build passed."""
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8"))
    build, release = workflow["jobs"]["app"], workflow["jobs"]["release"]
    assert set(build["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "windows-latest", "macos-latest"}
    commands = " ".join(step.get("run", "") for step in build["steps"])
    assert "./dev dist" in commands and "bash packaging/build.sh" in commands
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "dist/FactorDesk-*.zip"
    assert workflow["on"]["push"]["tags"] == ["v*"]
    assert release["needs"] == "app" and release["if"] == "startsWith(github.ref, 'refs/tags/v')"
