"""Find bundled files from source and from a PyInstaller build alike; the app's version.

PyInstaller unpacks data next to the executable and sets ``sys._MEIPASS``; from source the
``resources/`` folder sits beside ``main.py``. Everything that loads an icon or a bundled
file goes through :func:`resource_path`, so there is one place that knows the difference.

The version has one source, ``pyproject.toml``'s ``[project] version``, read here at start-up.
Why not ``importlib.metadata``: FactorDesk runs from a source checkout, which is never
installed, so there is no metadata to read; the frozen build bundles ``pyproject.toml`` (see
build.spec) and reads the same file. Qt-free, so the command line can use it too.
"""

from __future__ import annotations

import platform
import sys
import tomllib
from pathlib import Path

__all__ = ["APP_NAME", "APP_VERSION", "library_versions", "read_version", "resource_path", "versions_line"]

APP_NAME = "FactorDesk"
#: Where the bundled files are: the PyInstaller folder, or the source checkout.
BASE = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))


def resource_path(name: str) -> Path:
    """Absolute path of ``resources/<name>``."""
    return BASE / "resources" / name


def read_version(pyproject: Path = BASE / "pyproject.toml") -> str:
    """The ``[project] version`` of ``pyproject``."""
    with pyproject.open("rb") as file:
        return tomllib.load(file)["project"]["version"]


APP_VERSION = read_version()


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
