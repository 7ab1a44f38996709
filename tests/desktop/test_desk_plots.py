"""Plots never lie: read-outs vanish with their data, ticks are rounded, menus speak the user's terms."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication


@pytest.fixture
def app(factordesk_home):
    from gui.app import create_app
    from gui.units import display_units

    app = create_app([])
    display_units().set_percent(False)
    yield app
    display_units().set_percent(False)


@pytest.fixture
def series_plot(app, qtbot):
    from gui.widgets.plots import TimeSeriesPlot

    plot = TimeSeriesPlot("Cumulative abnormal return (alpha + residual)", "sum of returns")
    qtbot.addWidget(plot)
    plot.resize(600, 320)
    plot.show()
    frame = pd.DataFrame(
        {"abnormal": np.cumsum(np.full(30, 0.001)), "fund": np.linspace(-0.1, 0.2, 30)},
        index=pd.date_range("2020-01-31", periods=30, freq="ME"),
    )
    plot.set_frame(frame)
    return plot, frame


def test_readout_is_gone_after_a_rerun(window, qtbot):
    """Hover a loading, run again: the old number is no longer on the chart (the issue's HML 0.4461)."""
    tab = window.analysis_tabs[0]
    text = tab.loadings_plot.hover_at(2.0, 0.0)
    assert text.startswith("HML: ") and tab.loadings_plot.readout_text() == text
    tab.model_combo.setCurrentText("ff3")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    assert tab.loadings_plot.readout_text() == ""
    tab.model_combo.setCurrentText(tab.model_combo.AUTO)


def test_readout_clears_on_new_data_and_when_the_mouse_leaves(series_plot):
    """A read-out belongs to the data under the mouse: new data or leaving the plot removes it."""
    plot, frame = series_plot
    x = plot.curve_data("fund")[0][5]
    assert "2020-06-30" in plot.hover_at(x, 0.0)
    plot.set_frame(frame * 2)
    assert plot.readout_text() == ""
    plot.hover_at(x, 0.0)
    QApplication.sendEvent(plot, QEvent(QEvent.Type.Leave))
    assert plot.readout_text() == ""


def test_legend_sits_outside_the_data(series_plot):
    """The legend is laid out below the axes, listing every series, never over the lines."""
    plot, _frame = series_plot
    QApplication.processEvents()
    assert plot.legend_names() == ["abnormal", "fund"]
    assert plot.legend_outside_data()


def test_flat_line_ticks_are_rounded(app, qtbot):
    """A coverage of 1.0000000000000002 shows ticks like '1.000', never 16 decimals."""
    from gui.widgets.plots import TimeSeriesPlot

    plot = TimeSeriesPlot("Coverage", "share")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    plot.set_frame(
        pd.DataFrame(
            {"coverage": [1.0, 1.0000000000000002, 0.9999999999999998]},
            index=pd.date_range("2021-01-31", periods=3, freq="ME"),
        )
    )
    QApplication.processEvents()
    low, high = plot.getPlotItem().vb.viewRange()[1]
    axis = plot.value_axis
    strings = [s for _spacing, values in axis.tickValues(low, high, 300) for s in axis.tickStrings(values, 1, _spacing)]
    assert strings and all(len(s.split(".")[-1]) <= 4 for s in strings), strings
    assert plot.axis_label() == "share (decimal)"


def test_percent_toggle_changes_axis_and_readout(series_plot):
    """With View › percent on, a returns plot's axis and read-out are in percent."""
    from gui.units import display_units

    plot, _frame = series_plot
    display_units().set_percent(True)
    assert plot.axis_label() == "sum of returns (%)"
    assert plot.value_axis.tickStrings([0.05], 1, 0.01) == ["5%"]
    x = plot.curve_data("fund")[0][0]
    assert "fund: -10.00%" in plot.hover_at(x, 0.0)


def test_right_click_menu_in_the_users_terms(series_plot):
    """Right-click offers copy/save image, export data and reset zoom, not pyqtgraph's own menu."""
    plot, _frame = series_plot
    actions = [a.text() for a in plot.context_menu().actions() if a.text()]
    assert actions == ["Copy image", "Save image as PNG…", "Save image as SVG…", "Export data as CSV…", "Reset zoom"]
    assert not plot.getPlotItem().vb.menuEnabled()


def test_exports_keep_full_precision_and_images_are_valid(series_plot, tmp_path):
    """Export data writes every digit (read back with the csv module); PNG and SVG are real images."""
    plot, frame = series_plot
    path = plot.export_csv(tmp_path / "plot.csv")
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["date", "abnormal", "fund"]
    assert rows[1][0] == "2020-01-31"
    assert [float(r[2]) for r in rows[1:]] == list(frame["fund"])
    png = plot.save_image(tmp_path / "plot.png")
    assert not QImage(str(png)).isNull()
    svg = plot.save_image(tmp_path / "plot.svg")
    assert "<svg" in svg.read_text(encoding="utf-8")[:2000]


def test_empty_plot_says_why(app, qtbot):
    """A plot with nothing to show says so, with the reason or hint it was given."""
    from gui.widgets.plots import BarPlot

    plot = BarPlot("Loadings", "beta")
    qtbot.addWidget(plot)
    assert plot.is_empty() and plot.empty.text() == "Nothing to show."
    plot.set_empty_hint("No portfolios: open one.")
    assert plot.empty.text() == "No portfolios: open one."
    plot.show_empty_reason("No results yet.")
    assert plot.empty.text() == "No results yet."
