"""Characteristics the right way: defaults by column name, and lagged characteristics built in the tab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.data.dataset import Dataset, describe_frame


def _panel(with_cap: bool = True) -> pd.DataFrame:
    """A monthly panel whose first numeric column is the return, then characteristics, then 'me'."""
    rng = np.random.default_rng(11)
    dates = pd.date_range("2015-01-31", periods=30, freq="ME")
    ids = [f"S{i:02d}" for i in range(40)]
    frame = pd.DataFrame([(d, i) for d in dates for i in ids], columns=["date", "id"])
    frame["ret"] = rng.normal(0.01, 0.08, len(frame))
    frame["value"] = rng.normal(0, 1, len(frame))
    frame["rf"] = 0.001
    if with_cap:
        frame["me"] = np.exp(rng.normal(20, 1.5, len(frame)))
    return frame


@pytest.fixture
def tab(qtbot, factordesk_home):
    from gui.app import create_app
    from gui.notifier import Notifier
    from gui.tabs.charadj_tab import CharAdjTab
    from gui.workspace import WorkspaceModel

    create_app([])
    workspace = WorkspaceModel()
    tab = CharAdjTab(workspace, Notifier())
    qtbot.addWidget(tab)
    yield tab
    tab.runner.cancel()
    tab.build_runner.cancel()


def _add(tab, frame: pd.DataFrame, name: str = "panel.csv") -> None:
    tab.workspace.add(Dataset(name, "panel", frame, describe_frame(frame, "rows")))


def test_defaults_pick_the_cap_by_name_never_the_return(tab):
    """Market cap is the column named like a cap ('me'), not the first numeric one (the return);
    neither it nor the risk-free rate is ticked as a characteristic."""
    _add(tab, _panel())
    assert tab.return_combo.currentText() == "ret"
    assert tab.cap_combo.currentText() == "me"
    assert "ret" not in [tab.cap_combo.itemText(i) for i in range(tab.cap_combo.count())]
    assert tab.char_list.checked() == ["value"]


def test_without_a_cap_column_market_cap_is_none(tab):
    """A panel with no cap-named column leaves Market cap at 'none' (WLS then asks for one)."""
    _add(tab, _panel(with_cap=False))
    assert tab.cap_combo.currentText() == "none" and tab.market_cap() is None
    tab.weighting_combo.setCurrentIndex(1)
    assert not tab.run()
    assert "need a market cap" in tab.notifier.history[-1][1]


def test_build_characteristics_adds_a_lagged_panel_and_runs(tab, qtbot):
    """Build characteristics adds the panel with size, momentum and reversal, ticks only those,
    hides the look-ahead warning, and the cross-sections run on them."""
    _add(tab, _panel())
    assert not tab.lag_note.isHidden()  # 'value' is user-supplied
    with qtbot.waitSignal(tab.build_runner.sigFinished, timeout=30_000):
        assert tab.build_characteristics()
    assert tab.panel_combo.currentText() == "panel.csv + built characteristics"
    assert tab.char_list.checked() == ["log_mcap_lag", "mom_12_2", "ret_lag1"]
    assert tab.lag_note.isHidden()
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    assert list(tab.result.results.regressors) == ["log_mcap_lag", "mom_12_2", "ret_lag1"]
    assert "built characteristics" in tab.notes_label.text()
    assert tab.per_date_view.header_labels()[1] == "log_mcap_lag (per month)"
