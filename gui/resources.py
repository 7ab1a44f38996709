"""Find bundled files from source and from a PyInstaller build alike; versions for bug reports.

PyInstaller unpacks data next to the executable and sets ``sys._MEIPASS``; from source the
``resources/`` folder sits beside ``main.py``. Everything that loads an icon or a bundled
file goes through :func:`resource_path`, so there is one place that knows the difference.
The app's name and version come from :mod:`analytics.about` (one source: pyproject.toml).
"""

from __future__ import annotations

import platform
from pathlib import Path

from analytics.about import APP_NAME, APP_VERSION, BASE

__all__ = ["APP_NAME", "APP_VERSION", "library_versions", "resource_path", "versions_line"]


def resource_path(name: str) -> Path:
    """Absolute path of ``resources/<name>``."""
    return BASE / "resources" / name


def library_versions() -> str:
    """``Python 3.11.7, Qt 6.11.3, numpy 2.4.6, pandas 2.2.3``: what a bug report needs.

    The versions of the modules this process loads (Qt's is the runtime library's), so a
    frozen build reports what it bundles.
    """
    import numpy
    import pandas
    from PySide6.QtCore import qVersion

    versions = (
        f"Python {platform.python_version()}",
        f"Qt {qVersion()}",
        f"numpy {numpy.__version__}",
        f"pandas {pandas.__version__}",
    )
    return ", ".join(versions)


def versions_line() -> str:
    """``FactorDesk 0.2.0 (Python 3.11.7, Qt 6.11.3, numpy 2.4.6, pandas 2.2.3)``: ``--version``'s line."""
    return f"{APP_NAME} {APP_VERSION} ({library_versions()})"
