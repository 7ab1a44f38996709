"""``main.py --selftest``: prove that this FactorDesk works, from source or as the frozen app.

A frozen build fails in ways the test suite never sees: a module imported by name that
PyInstaller did not collect, a Qt plugin left out, a library that does not load. So the
self-test runs the real window off screen on the demo workspace, lets every analysis tab run
its job on the worker pool, and compares numbers of each result with ``selftest_expected.json``
beside this module (the demo data come from a fixed seed, so they are the same everywhere).
Those numbers are computed independently, with statsmodels, by
``packaging/selftest_expected.py``, never by the app. Every tab must produce a result: one
that cannot run is a failure. It also imports what the app only imports when first needed
(WRDS, Ken French downloads, scipy's special functions) and round-trips Parquet and Excel.
It prints one line and returns 0, or 1 with the line naming what failed.

Settings, logs and files go to a temporary ``FACTORDESK_HOME``: the user's settings cannot
change the result, and the self-test never touches them.

:func:`exit_after_first_paint` is the start-up benchmark's hook: with
``FACTORDESK_EXIT_AFTER_PAINT=1`` the app prints the time from launch to its first paint
and exits. The window and analytics are imported inside the functions: the benchmark's
bare-window baseline imports the hook without them.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QWidget

from gui.application import create_app, wait_until_idle
from gui.first_paint import on_first_paint

__all__ = [
    "EXIT_AFTER_PAINT",
    "EXPECTED_FILE",
    "LAZY_MODULES",
    "Expect",
    "exit_after_first_paint",
    "load_expected",
    "run_selftest",
]

EXIT_AFTER_PAINT = "FACTORDESK_EXIT_AFTER_PAINT"
#: Agreement required with statsmodels: relative above 1, absolute below.
TOLERANCE = 1e-8
#: Tab title -> the numbers its demo run must reproduce; bundled by build.spec beside this module.
EXPECTED_FILE = Path(__file__).with_name("selftest_expected.json")
#: Modules the app imports only when first used, so a frozen build may silently lack them
#: (pandas' ``read_sql`` imports ``sqlite3`` inside each call, whatever the database: WRDS pulls).
LAZY_MODULES = (
    "analytics.distributions",
    "wrds",
    "psycopg2",
    "sqlalchemy.dialects.postgresql.psycopg2",
    "sqlite3",
    "pandas_datareader.famafrench",
    "pyarrow.parquet",
    "pyarrow.dataset",
    "pyarrow.csv",
    "pyarrow.compute",
    "openpyxl",
)


@dataclass(frozen=True)
class Expect:
    """One stored number: ``table``'s row where ``key`` == ``row``, column ``column``."""

    table: str
    key: str
    row: str
    column: str
    value: float

    @property
    def label(self) -> str:
        return f"{self.table}[{self.row}].{self.column}"


def load_expected(path: Path = EXPECTED_FILE) -> dict[str, tuple[Expect, ...]]:
    """Tab title -> its stored numbers, as ``packaging/selftest_expected.py`` wrote them."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    return {title: tuple(Expect(**item) for item in items) for title, items in stored.items()}


def _check(tables: dict, expect: Expect) -> str | None:
    """None when the stored number is reproduced, else what differs."""
    table = tables.get(expect.table)
    if table is None or expect.key not in table or expect.column not in table:
        return f"{expect.label}: table or column missing"
    rows = table.loc[table[expect.key].astype(str) == expect.row, expect.column]
    if len(rows) != 1:
        return f"{expect.label}: {len(rows)} rows instead of 1"
    got = float(rows.iloc[0])
    if not abs(got - expect.value) <= TOLERANCE * max(1.0, abs(expect.value)):
        return f"{expect.label} = {got:.10g}, expected {expect.value:.10g}"
    return None


def _check_tab(title: str, tables: dict, expected: dict[str, tuple[Expect, ...]]) -> tuple[int, list[str]]:
    """Compare a tab's export tables with its stored numbers: (checks run, failures)."""
    expects = expected.get(title)
    if not expects:  # a tab newer than the stored numbers: it ran, and produced tables
        return 1, [] if tables and any(len(t) for t in tables.values()) else [f"{title}: no result tables"]
    failures = [f"{title}: {problem}" for e in expects if (problem := _check(tables, e))]
    return len(expects), failures


def _check_modules() -> tuple[int, list[str]]:
    """Import every module of :data:`LAZY_MODULES`: (checks run, failures)."""
    failures = []
    for name in LAZY_MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 (any import failure is the finding)
            failures.append(f"import {name}: {type(exc).__name__}: {exc}")
    return len(LAZY_MODULES), failures


def _check_files(window: QWidget, folder: Path) -> tuple[int, list[str]]:
    """Excel export of the current tab read back, and a Parquet round trip through the local store."""
    from analytics.data.store import Store
    from analytics.data.tables import read_table

    exported = window.tabs.currentWidget().export_tables()
    if exported is None:
        return 1, ["export: the current tab has no result"]
    tables, main = exported
    failures = []
    written = window.export_to(str(folder / "selftest.xlsx"))
    if written is None or len(read_table(written, sheet=main).frame) != len(tables[main]):
        failures.append("Excel export: the main table did not read back")
    store = Store(folder / "store")
    store.save("selftest", tables[main], source="selftest", query="demo")
    if not store.load("selftest").equals(tables[main]):
        failures.append("Parquet store: the table changed on the round trip")
    return 2, failures


def _run_tabs(window: QWidget, timeout_s: float) -> tuple[list[str], list[str]]:
    """Run every tab on the demo workspace: (titles with a result, failures naming the others).

    The window runs every tab once the demo workspace has loaded; a tab left without a result
    is run again, and if it still has none (its inputs refused, its job failed, nothing to
    run) that is a failure with the last message the user would have seen.
    """
    window.load_demo()
    if not wait_until_idle(window, timeout_s):
        return [], [f"jobs still running after {timeout_s:.0f} s"]
    history = window.notifier.history
    ran, failures = [], []
    for tab in window.analysis_tabs:
        if tab.result is None and tab.run() and not wait_until_idle(window, timeout_s):
            failures.append(f"{tab.title}: still running after {timeout_s:.0f} s")
        elif tab.result is None:
            failures.append(f"{tab.title}: no result ({history[-1][1] if history else 'it did not run'})")
        else:
            ran.append(tab.title)
    return ran, failures


def run_selftest(qt_args: list[str] | None = None, timeout_s: float = 300.0) -> int:
    """Check this installation end to end off screen; print one line; 0 when everything passed."""
    start = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    expected = load_expected()
    with tempfile.TemporaryDirectory(prefix="factordesk-selftest-") as home:
        os.environ["FACTORDESK_HOME"] = home
        from gui.main_window import MainWindow

        create_app(qt_args)
        window = MainWindow()
        window.resize(1280, 800)
        window.show()
        checks, failures = _check_modules()
        ran, problems = _run_tabs(window, timeout_s)
        failures += problems
        failures += [f"error shown: {text}" for level, text in window.notifier.history if level == "error"]
        for tab in window.analysis_tabs:
            if tab.title in ran:
                count, problems = _check_tab(tab.title, tab.export_tables()[0], expected)
                checks, failures = checks + count, failures + problems
        if ran:
            count, problems = _check_files(window, Path(home))
            checks, failures = checks + count, failures + problems
        window.close()
    elapsed = time.perf_counter() - start
    tabs = f"{len(ran)} tab{'s' * (len(ran) != 1)} ({', '.join(ran) or 'none'})"
    if failures or not ran:
        _say(f"selftest FAILED: {'; '.join(failures) or 'no tab ran'} [{tabs}, {elapsed:.1f} s]")
        return 1
    _say(f"selftest ok: {tabs}, {checks} checks, {elapsed:.1f} s")
    return 0


def _say(line: str) -> None:
    """Print the result line (a windowed Windows build has no stdout; its exit code still tells)."""
    if sys.stdout is not None:
        print(line, flush=True)


# --- start-up benchmark hook ----------------------------------------------------------
def seconds_since_launch() -> float:
    """Wall time since this process started (Linux ``/proc``); NaN where unknown."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return math.nan
    return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")


def exit_after_first_paint(window: QWidget) -> None:
    """When ``FACTORDESK_EXIT_AFTER_PAINT`` is set: print the launch-to-first-paint time, then exit."""
    if os.environ.get(EXIT_AFTER_PAINT):
        on_first_paint(window, _report_first_paint)


def _report_first_paint() -> None:
    _say(f"first paint after {seconds_since_launch():.3f} s")
    # Exit at once: the measurement is done, and a clean shutdown would wait for the jobs
    # the window has just started (loading the workspace).
    os._exit(0)
