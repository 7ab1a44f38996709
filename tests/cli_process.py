"""Run ``python main.py ...`` as a user's script does: a separate process, output captured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_main(*args: str | Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """``main.py`` with ``args`` from the project folder; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
