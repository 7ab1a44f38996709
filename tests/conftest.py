"""Shared fixtures: an isolated FactorDesk home, offscreen Qt, and the course data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def factordesk_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache, data and log folders (never the user's)."""
    home = tmp_path_factory.mktemp("factordesk_home")
    monkeypatch.setenv("FACTORDESK_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The course data folder; tests using it skip when it is absent (a fresh clone elsewhere)."""
    if not (SHARED_DATA / "brk_arkk_ff6_monthly.csv").exists():
        pytest.skip(f"course data not found at {SHARED_DATA} (it sits beside the project in CI)")
    return SHARED_DATA
