"""GUI fixtures: the real main window with the demo workspace, offscreen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.data.dataset import Dataset
from analytics.data.returns import ReturnsData


@pytest.fixture
def window(qtbot, factordesk_home):
    """The main window after the demo workspace has loaded and every tab has run once."""
    from gui.app import create_app
    from gui.main_window import MainWindow

    create_app([])
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    tab = win.analysis_tabs[0]
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        win.load_demo()
    yield win
    win.close()


@pytest.fixture
def slow_dataset() -> Dataset:
    """A returns data set big enough that Newey-West errors take seconds (a real long job)."""
    rng = np.random.default_rng(1)
    dates = pd.bdate_range("2000-01-03", periods=6000)
    factors = pd.DataFrame(
        rng.normal(0, 0.01, (6000, 6)), index=dates, columns=["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
    )
    factors["RF"] = 0.0001
    funds = pd.DataFrame(rng.normal(0, 0.01, (6000, 800)), index=dates, columns=[f"F{i}" for i in range(800)])
    data = ReturnsData(funds, factors, "daily", "slow")
    return Dataset("Big synthetic panel", "returns", data, "daily, 800 funds")
