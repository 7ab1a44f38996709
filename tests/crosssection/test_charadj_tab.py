"""The characteristic-adjusted returns tab runs the demo job and draws what the analytics computed."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.data.demo import make_demo
from analytics.workspace import demo_datasets


@pytest.fixture
def tab(qtbot, factordesk_home):
    """The tab with the demo workspace, after one run on the demo panel and portfolios."""
    from gui.app import create_app
    from gui.notifier import Notifier
    from gui.tabs.charadj_tab import CharAdjTab
    from gui.workspace import WorkspaceModel

    create_app([])
    workspace = WorkspaceModel()
    tab = CharAdjTab(workspace, Notifier())
    qtbot.addWidget(tab)
    workspace.add_many(demo_datasets(make_demo()))
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    yield tab
    tab.runner.cancel()


def test_inputs_follow_the_panel(tab):
    """The demo panel offers re as the return, mcap as market cap, the four characteristics ticked."""
    assert tab.return_combo.currentText() == "re" and tab.cap_combo.currentText() == "mcap"
    assert tab.portfolios_combo.currentText() == "Demo portfolios"
    assert tab.char_list.checked() == ["size", "value", "mom", "strev"]
    assert "lag them yourself" in tab.lag_note.text()


def test_plots_show_the_results(tab):
    """Cumulative characteristic returns, premia with intervals and the portfolio paths are the results'."""
    report = tab.result
    results = report.results
    assert tab.returns_plot.names == ["size", "value", "mom", "strev"]
    _x, y = tab.returns_plot.curve_data("mom")
    np.testing.assert_allclose(y, results.params["mom"].cumsum().to_numpy())
    bars = tab.premia_plot.bars()
    np.testing.assert_allclose(bars["value"], results.fama_macbeth["premium"])
    assert (bars["lower"] < bars["value"]).all() and (bars["value"] < bars["upper"]).all()
    assert tab.portfolio_combo.currentText() == "Large Caps"
    _x, adjusted = tab.portfolio_plot.curve_data("adjusted")
    np.testing.assert_allclose(adjusted, report.adjusted.cumulative("Large Caps")["adjusted"].to_numpy())
    assert "SIMULATED" in tab.notes_label.text()


def test_pure_play_weights_of_the_selected_date(tab):
    """Choosing a date shows that date's pure-play weights, one row per stock, and the unit-exposure check."""
    tab.date_combo.setCurrentText("2016-06-30")
    frame = tab.weights_view.frame()
    expected = tab.result.results.pure_play_weights("2016-06-30")
    assert list(frame.columns) == ["id", "size", "value", "mom", "strev"] and len(frame) == len(expected)
    np.testing.assert_allclose(frame["value"].to_numpy(), expected["value"].to_numpy())
    assert "exposure 1" in tab.exposure_label.text()


def test_wls_top_percent_run(tab, qtbot):
    """WLS on the top 30% runs and the per-date table shows at most 30% of the stocks."""
    tab.weighting_combo.setCurrentIndex(1)
    tab.top_spin.setValue(30)
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    per_date = tab.per_date_view.frame()
    assert per_date["n"].max() <= 0.3 * 400 + 1
    assert "WLS (weights mcap), top 30% by mcap" in tab.notes_label.text()


def test_no_characteristics_is_a_warning_not_a_crash(tab):
    """Unticking every characteristic shows one warning and keeps the previous results."""
    before = tab.result
    tab.char_list.set_all_checked(False)
    assert not tab.run()
    assert tab.notifier.history[-1][0] == "warning" and "no characteristics" in tab.notifier.history[-1][1]
    assert tab.result is before
