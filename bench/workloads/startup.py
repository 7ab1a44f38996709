"""``startup``: launch to first paint of FactorDesk, against a bare PySide6 window launched the same way.

Each run starts a fresh process off screen with ``FACTORDESK_EXIT_AFTER_PAINT=1`` (see
:func:`gui.selftest.exit_after_first_paint`): it exits as soon as its window first paints, so
the time of the run is the time from launch to a visible window. Target: within 2 s from source.
``startup_frozen`` does the same for the PyInstaller build when ``dist/FactorDesk`` exists,
and prints the size of that folder. Peak memory is the launcher's, not the app's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Workload
from gui.selftest import EXIT_AFTER_PAINT

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "dist" / "FactorDesk" / "FactorDesk"
BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
from gui.selftest import exit_after_first_paint
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
window.show()
exit_after_first_paint(window)
sys.exit(app.exec())
"""


def launch(command: list[str], timeout_s: float = 120.0) -> str:
    """Run ``command`` off screen until its first paint; the line it printed (``first paint after …``)."""
    with tempfile.TemporaryDirectory(prefix="factordesk-bench-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", EXIT_AFTER_PAINT: "1", "FACTORDESK_HOME": home}
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    painted = [line for line in done.stdout.splitlines() if line.startswith("first paint")]
    if done.returncode != 0 or not painted:
        raise RuntimeError(f"{command[0]} exited {done.returncode} without painting: {done.stderr[-500:]}")
    return painted[0]


def folder_mb(folder: Path) -> float:
    """Size of every file under ``folder`` in MB (symbolic links not followed)."""
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1024**2


def _check(ours: str, baseline: str) -> None:
    assert ours.startswith("first paint") and baseline.startswith("first paint"), (ours, baseline)


def _bare_window() -> str:
    return launch([sys.executable, "-c", BARE_WINDOW])


def startup(quick: bool) -> Workload:
    return Workload(
        lambda: launch([sys.executable, "main.py"]),
        _bare_window,
        _check,
        repeats=1 if quick else 3,
        description="python main.py to first paint vs a bare QMainWindow",
    )


def startup_frozen(quick: bool) -> Workload:
    print(f"startup_frozen: {FROZEN.parent.relative_to(ROOT)} is {folder_mb(FROZEN.parent):.0f} MB", flush=True)
    return Workload(
        lambda: launch([str(FROZEN)]),
        _bare_window,
        _check,
        repeats=1 if quick else 3,
        description="dist/FactorDesk/FactorDesk to first paint vs a bare QMainWindow from source",
    )


WORKLOADS = {"startup": startup, **({"startup_frozen": startup_frozen} if FROZEN.exists() else {})}
