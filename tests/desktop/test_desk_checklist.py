"""Many names: search, All / None / Invert, a minimum of observations, tickers beside ids."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

N_IDS = 4_000


@pytest.fixture
def check_list(qtbot, factordesk_home):
    from gui.app import create_app
    from gui.widgets.check_list import CheckList

    create_app([])
    widget = CheckList()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _permnos() -> list[str]:
    return [str(10000 + 7 * i) for i in range(N_IDS)]


def test_filtering_4000_ids_has_no_visible_pause(check_list, record_property):
    """Typing in the search box over 4,000 PERMNOs re-filters in well under a frame's worth of a
    pause (measured: the slowest of five keystrokes, printed in the report)."""
    ids = _permnos()
    started = time.perf_counter()
    check_list.set_names(ids, counts=np.arange(N_IDS) % 300)
    fill_ms = (time.perf_counter() - started) * 1000
    timings = []
    for text in ("1", "10", "100", "1000", ""):
        started = time.perf_counter()
        check_list.set_filter(text)
        QApplication.processEvents()
        timings.append((time.perf_counter() - started) * 1000)
    record_property("fill_4000_ms", round(fill_ms, 2))
    record_property("filter_4000_ms_max", round(max(timings), 2))
    print(f"\nCheckList with {N_IDS} ids: fill {fill_ms:.1f} ms, filter keystrokes {[round(t, 1) for t in timings]} ms")
    assert max(timings) < 100 and fill_ms < 500
    check_list.set_filter("1000")
    assert check_list.shown() == [i for i in ids if "1000" in i]


def test_all_none_invert_act_on_the_names_shown(check_list):
    """Search, then None, then Invert: only the names shown change; hidden ticks are kept."""
    ids = _permnos()
    check_list.set_names(ids)
    assert len(check_list.checked()) == N_IDS
    check_list.set_filter("1001")
    shown = check_list.shown()
    check_list.tick_shown(False)
    assert len(check_list.checked()) == N_IDS - len(shown)
    check_list.tick_shown(None)
    assert len(check_list.checked()) == N_IDS
    check_list.set_all_checked(False)
    check_list.tick_shown(True)
    assert check_list.checked() == shown
    assert check_list.summary.text() == f"{len(shown)} of {N_IDS:,} ticked, {len(shown)} shown"


def test_minimum_observations_keeps_only_long_enough_names(check_list):
    """'At least N obs' hides the short series and leaves them out of the run."""
    check_list.set_names(["A", "B", "C", "D"], counts=[12, 60, 36, 5])
    assert check_list.min_obs.isVisible()
    check_list.min_obs.setValue(36)
    assert check_list.shown() == ["B", "C"] and check_list.checked() == ["B", "C"]
    check_list.min_obs.setValue(0)
    assert check_list.checked() == ["A", "B", "C", "D"]


def test_tickers_and_names_beside_ids_are_searchable(check_list):
    """With a names table, ids show 'TICKER · Name' and the search finds them by ticker or name."""
    check_list.set_names(["14593", "10107", "90319"], labels={"14593": "AAPL · Apple Inc", "10107": "MSFT · Microsoft"})
    texts = [check_list.model.index(r).data() for r in range(3)]
    assert texts == ["14593  AAPL · Apple Inc", "10107  MSFT · Microsoft", "90319"]
    check_list.set_filter("msft")
    assert check_list.shown() == ["10107"]
    check_list.set_filter("apple")
    assert check_list.shown() == ["14593"]


def test_space_toggles_every_selected_row(check_list):
    """Selecting many rows and pressing Space unticks them all (not just the current one)."""
    check_list.set_names([f"F{i}" for i in range(10)])
    view = check_list.view
    selection = view.selectionModel()
    for row in range(2, 6):
        selection.select(check_list.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    view.keyPressEvent(QKeyEvent(QKeyEvent.Type.KeyPress, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, " "))
    assert check_list.checked() == ["F0", "F1", "F6", "F7", "F8", "F9"]


def test_fund_list_has_counts_from_the_returns(window):
    """The regression tab's fund list knows each fund's observations (for the minimum filter)."""
    fund_list = window.analysis_tabs[0].fund_list
    counts = window.analysis_tabs[0].returns_combo.current_dataset().data.assets.count()
    assert list(fund_list.model.counts) == list(counts)
    fund_list.min_obs.setValue(int(counts.max()))
    assert fund_list.checked() == list(counts[counts == counts.max()].index)
    fund_list.min_obs.setValue(0)
