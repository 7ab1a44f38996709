"""The application's name and version, for every part that writes them (exports, reports, About).

The version has one source, ``pyproject.toml``'s ``[project] version``, read here. Why not
``importlib.metadata``: FactorDesk runs from a source checkout, which is never installed, so
there is no metadata to read; the frozen build bundles ``pyproject.toml`` beside its code
(see build.spec: PyInstaller sets ``sys._MEIPASS`` to that folder) and reads the same file.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

__all__ = ["APP_NAME", "APP_VERSION", "BASE", "read_version"]

APP_NAME = "FactorDesk"
#: Where the bundled files are: the PyInstaller folder, or the source checkout.
BASE = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))


def read_version(pyproject: Path = BASE / "pyproject.toml") -> str:
    """The ``[project] version`` of ``pyproject``."""
    with pyproject.open("rb") as file:
        version: str = tomllib.load(file)["project"]["version"]
    return version


APP_VERSION = read_version()
