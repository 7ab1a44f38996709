"""Find bundled resources from source and from a PyInstaller build alike.

PyInstaller unpacks data next to the executable and sets ``sys._MEIPASS``; from source the
``resources/`` folder sits beside ``main.py``. Everything that loads an icon or a bundled
file goes through :func:`resource_path`, so there is one place that knows the difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "APP_NAME", "APP_VERSION"]

APP_NAME = "FactorDesk"
APP_VERSION = "0.1.0"


def resource_path(name: str) -> Path:
    """Absolute path of ``resources/<name>``."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base / "resources" / name
