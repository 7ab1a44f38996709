"""Tables say their units, keep the name column in view, and copy every digit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


@pytest.fixture
def percent_off(factordesk_home):
    from gui.app import create_app
    from gui.units import display_units

    create_app([])
    display_units().set_percent(False)
    yield display_units()
    display_units().set_percent(False)


@pytest.fixture
def wide_view(percent_off, qtbot):
    """A narrow table with many columns (it must scroll sideways)."""
    from gui.widgets.dataframe_view import DataFrameView

    view = DataFrameView()
    qtbot.addWidget(view)
    view.resize(360, 240)
    view.show()
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "fund": [f"Fund {i}" for i in range(40)],
            "alpha": rng.normal(0, 0.05, 40),
            **{f"t_{c}": rng.normal(0, 2, 40) for c in "ABCDEFGH"},
        }
    )
    view.set_frame(frame)
    return view, frame


def test_headers_say_units_and_frequency(window, percent_off):
    """Annualized columns say (ann.); per-period alphas say per day for the daily demo; tooltips explain."""
    tab = window.analysis_tabs[0]
    labels = tab.summary_view.header_labels()
    assert labels[:3] == ["fund", "alpha (ann.)", "t(alpha)"]
    assert "ivol (ann.)" in labels and "R²" in labels
    model = tab.summary_view.model()
    tip = model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "annualized" in tip.lower()


def test_split_window_alpha_is_labelled_per_day(window, qtbot, percent_off):
    """The split-window table's constant is alpha per day (the demo is daily), not annualized."""
    tab = window.analysis_tabs[0]
    tab.split_edit.setText("2017-12-29")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    labels = tab.split_view.header_labels()
    assert "alpha (per day)" in labels
    tab.split_edit.setText("")


def test_percent_toggle_changes_cells_and_headers_not_copies(window, percent_off):
    """Percent display shows '-0.37%' style cells and '(ann., %)' headers; copies stay decimals."""
    view = window.analysis_tabs[0].summary_view
    frame = view.frame()
    alpha = float(frame.loc[0, "alpha"])
    percent_off.set_percent(True)
    assert view.header_labels()[1] == "alpha (ann., %)"
    shown = view.model().index(0, 1).data()
    assert shown == f"{alpha * 100:.2f}%" or shown == f"{alpha * 100:.3f}%"
    view.selectionModel().select(view.model().index(0, 1), view.selectionModel().SelectionFlag.ClearAndSelect)
    text = view.copy_selection()
    assert text.splitlines() == ["alpha", repr(alpha)]


def test_copy_keeps_every_digit(wide_view):
    """Right-click › Copy whole table writes floats with all their digits, under the column names."""
    view, frame = wide_view
    text = view.copy_all()
    lines = text.splitlines()
    assert lines[0].split("\t") == list(frame.columns)
    assert float(lines[1].split("\t")[1]) == frame.loc[0, "alpha"]
    assert QApplication.clipboard().text() == text
    actions = [a.text() for a in view.context_menu().actions() if a.text()]
    assert actions == ["Copy (full precision)", "Copy whole table", "Save table as CSV…"]


def test_name_column_stays_in_view_when_scrolling(wide_view):
    """Scrolled far right, the frozen first column still shows each row's fund, over the left edge."""
    view, frame = wide_view
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum())
    QApplication.processEvents()
    assert view.horizontalScrollBar().value() > 0
    frozen = view.frozen_column()
    assert frozen.isVisible()
    assert frozen.geometry().left() == view.verticalHeader().width() + view.frameWidth()
    assert frozen.width() == view.columnWidth(0)
    assert [frozen.isColumnHidden(c) for c in range(frame.shape[1])] == [False] + [True] * (frame.shape[1] - 1)
    assert frozen.model().index(3, 0).data() == "Fund 3"
    view.verticalScrollBar().setValue(10)
    assert frozen.verticalScrollBar().value() == 10


def test_sorting_by_the_frozen_column_sorts_the_table(wide_view):
    """Clicking the frozen header sorts the whole table by name (both views share one model)."""
    view, _frame = wide_view
    view.frozen_column().horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert view.model().index(0, 0).data() == "Fund 9"
    assert view.horizontalHeader().sortIndicatorSection() == 0


def test_empty_table_says_why(percent_off, qtbot):
    """An empty table paints a reason; the tab's hint applies after a run."""
    from gui.widgets.dataframe_view import DataFrameView

    view = DataFrameView()
    qtbot.addWidget(view)
    view.set_frame(pd.DataFrame())
    view.set_empty_hint("No benchmark: choose one and run again.")
    assert view.is_empty() and view.empty.text() == "No benchmark: choose one and run again."
    view.show_empty_reason("No results yet: press Run.")
    assert view.empty.text() == "No results yet: press Run."


def test_save_csv_writes_full_precision(wide_view, tmp_path):
    """Save table as CSV keeps every digit of every float (pandas reads back the same values)."""
    view, frame = wide_view
    view.save_csv(str(tmp_path / "t.csv"))
    back = pd.read_csv(tmp_path / "t.csv", float_precision="round_trip")
    pd.testing.assert_frame_equal(back, frame)
