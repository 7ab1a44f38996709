"""The holdings exposures tab on the demo workspace: what it draws, read through public getters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.data.demo import make_demo
from analytics.workspace import demo_datasets


@pytest.fixture
def tab(qtbot, factordesk_home):
    """The tab over the demo workspace, after one run with the default inputs."""
    from gui.app import create_app
    from gui.notifier import Notifier
    from gui.tabs.exposures_tab import ExposuresTab
    from gui.workspace import WorkspaceModel

    create_app([])
    workspace = WorkspaceModel()
    workspace.add_many(demo_datasets(make_demo()))
    widget = ExposuresTab(workspace, Notifier())
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show()
    with qtbot.waitSignal(widget.sigResultChanged, timeout=60_000):
        assert widget.run()
    return widget


def test_demo_run_draws_exposures_segments_shading_and_contributions(tab, qtbot) -> None:
    """Defaults pick the demo stocks for the demo holdings; each factor plot shows the bottom-up
    line, one top-down segment and one shaded region per holdings window; the table's
    contributions add up to the exposure on the selected date; hovering reads values out."""
    result = tab.result
    assert tab.returns_combo.current_dataset().name == "Demo stocks (daily)"
    assert list(tab.factor_plots) == list(result.factors)
    x, y = tab.factor_plots["CMA"].curve_data("bottom-up")
    np.testing.assert_allclose(y, result.exposures["CMA"].to_numpy())
    sx, sy = tab.topdown_segments("CMA")
    n_windows = len(result.windows)
    assert len(sx) == 3 * n_windows and np.isnan(sy[2::3]).all()
    np.testing.assert_allclose(sy[0::3], result.topdown["CMA"].iloc[1:].to_numpy())
    assert len(tab.shaded_windows("CMA")) == n_windows
    _, coverage = tab.coverage_plot.curve_data("coverage")
    assert coverage.min() > 0.99
    tab.select_date(pd.Timestamp("2016-05-10"))
    table = tab.contributions_view.frame()
    assert tab.date_combo.currentText() == "2016-04-01"  # the holdings window the date falls in
    assert set(table["id"]) <= {"AAPX", "GOOX", "MSFX", "NVDX", "AMZX", "ORCX", "ADBX", "CRMX"}
    assert table["contrib_CMA"].sum() == pytest.approx(result.exposures.loc[tab.selected_date, "CMA"])
    assert "CMA" in tab.factor_plots["Mkt-RF"].hover_at(x[100], 1.0) or "bottom-up" in tab.factor_plots["CMA"].hover_at(
        x[100], 0.0
    )


def test_rolling_method_with_benchmark(tab, qtbot) -> None:
    """Rolling betas and a benchmark: the benchmark line and the active table appear."""
    tab.method_combo.setCurrentText("rolling window")
    tab.window_spin.setValue(126)
    tab.benchmark_combo.select("Demo holdings (rotation fund)")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    assert tab.result.method == "rolling" and "benchmark" in tab.factor_plots["SMB"].names
    active = tab.active_view.frame()
    assert len(active) and np.allclose(active[list(tab.result.factors)].fillna(0).to_numpy(), 0.0)


def test_cancel_stops_a_long_rolling_job_and_keeps_the_last_result(tab, qtbot) -> None:
    """Rolling betas of 1,500 stocks take seconds; cancel ends the job within 1 s, the plots stay."""
    import time

    from analytics.data.dataset import Dataset
    from analytics.data.returns import ReturnsData

    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2010-01-01", periods=3000)
    factors = pd.DataFrame(
        rng.normal(0, 0.01, (3000, 6)), index=dates, columns=["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
    ).assign(RF=0.0)
    ids = [f"X{i:04d}" for i in range(1500)]
    stocks = pd.DataFrame(rng.normal(0, 0.02, (3000, 1500)), index=dates, columns=ids)
    held = pd.DataFrame({"date": pd.Timestamp("2010-03-31"), "id": ids, "weight": 1 / 1500})
    tab.workspace.add_many(
        [
            Dataset("big stocks", "returns", ReturnsData(stocks, factors, "daily", "big"), "daily"),
            Dataset("big holdings", "holdings", held, "1500 holdings"),
        ]
    )
    tab.holdings_combo.select("big holdings")
    tab.returns_combo.select("big stocks")
    tab.method_combo.setCurrentText("rolling window")
    before = tab.result
    assert tab.run()
    qtbot.waitUntil(lambda: tab.job_bar.progress.value() > 0, timeout=30_000)
    started = time.monotonic()
    with qtbot.waitSignal(tab.runner.sigCancelled, timeout=2000):
        tab.job_bar.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.runner.busy, timeout=2000)
    assert time.monotonic() - started < 1.0
    assert tab.result is before


def test_fund_returns_input_feeds_the_topdown_regressions(tab, qtbot) -> None:
    """Choosing a returns data set and its column as the fund's own returns: the top-down
    regressions use that column (in excess of RF) instead of the holdings-implied return."""
    import statsmodels.api as sm

    tab.fund_combo.select("Demo funds + factors (daily)")
    funds = tab.fund_combo.current_dataset().data
    column = funds.assets.columns[1]
    tab.fund_column.setCurrentText(column)
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    result = tab.result
    dates = result.exposures.index
    expected = (funds.assets[column] - funds.factors["RF"]).loc[dates]
    np.testing.assert_allclose(result.fund_returns.to_numpy(), expected.to_numpy(), rtol=1e-12)
    x = sm.add_constant(funds.factors.loc[dates, list(result.factors)])
    params = sm.OLS(expected, x).fit().params
    np.testing.assert_allclose(
        result.topdown.loc[0, ["const", *result.factors]].to_numpy(dtype=float), params, rtol=1e-8
    )
    tab.fund_combo.setCurrentIndex(0)  # back to "implied by the holdings"
    assert not tab.fund_column.isEnabled()


def test_low_coverage_is_marked_on_the_coverage_plot(tab, qtbot) -> None:
    """A holding without returns (30% of the fund): coverage 0.7 on every date, each date marked
    in red below the 90% line, a note and the date's tooltip say so."""
    from analytics.data.dataset import Dataset

    held = pd.DataFrame(
        {
            "date": pd.Timestamp("2016-01-04"),
            "id": ["AAPX", "GOOX", "NOPE"],
            "weight": [0.4, 0.3, 0.3],
            "kind": "security",
        }
    )
    tab.workspace.add_many([Dataset("partly covered", "holdings", held, "3 holdings")])
    tab.holdings_combo.select("partly covered")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    coverage = tab.result.exposures["coverage"]
    np.testing.assert_allclose(coverage, 0.7)
    x, y = tab.low_coverage_marks()
    assert len(x) == len(coverage) and np.allclose(y, 0.7)
    assert any("coverage below 90%" in n for n in tab.result.notes)
    assert "below 90%" in tab.date_combo.toolTip()
