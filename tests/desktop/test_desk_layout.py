"""The window fits a laptop (1024×700) and never resizes itself; screenshots come at the asked size."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

LAPTOP = (1024, 700)


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def _minimum_sizes(window) -> list[tuple[int, int]]:
    sizes = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        _settle()
        sizes.append(window.minimumSizeHint().toTuple())
    window.tabs.setCurrentIndex(0)
    return sizes


def test_minimum_size_fits_a_laptop_before_results(qtbot, factordesk_home):
    """With every tab shown and no results yet, the window can shrink to 1024×700."""
    from gui.app import create_app
    from gui.main_window import MainWindow

    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(*LAPTOP)
    window.show()
    for width, height in _minimum_sizes(window):
        assert width <= LAPTOP[0] and height <= LAPTOP[1]


def test_window_keeps_its_size_when_results_appear(window, qtbot):
    """After every tab has results the minimum still fits 1024×700, and a 1024×700 window stays so."""
    window.resize(*LAPTOP)
    _settle()
    for width, height in _minimum_sizes(window):
        assert width <= LAPTOP[0] and height <= LAPTOP[1]
    tab = window.analysis_tabs[2]
    window.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    tab.date_combo.setCurrentIndex(0)  # the long weights-check sentence
    window.analysis_tabs[0].select_fund("Innovation Growth Fund")  # the long one-line fund summary
    _settle()
    assert window.size().toTuple() == LAPTOP


def test_inputs_column_and_data_panel_can_be_resized(window):
    """The inputs column sits in a splitter that can be dragged, and the data panel's columns too."""
    tab = window.analysis_tabs[0]
    before = tab.splitter.sizes()
    tab.splitter.setSizes([before[0] + 80, before[1] - 80])
    assert tab.splitter.sizes()[0] == before[0] + 80
    header = window.data_panel.tree.header()
    assert header.sectionResizeMode(0) == header.ResizeMode.Interactive


@pytest.mark.parametrize("size", [LAPTOP, (1920, 1080)])
def test_screenshot_mode_renders_every_tab_at_the_asked_size(window, tmp_path, size):
    """``--screenshot DIR --size WxH`` saves one PNG per tab, each exactly W×H pixels."""
    from gui.app import screenshot_mode

    assert screenshot_mode(window, tmp_path, size, []) == 0
    shots = sorted(tmp_path.glob("*.png"))
    assert [p.stem for p in shots] == ["characteristic_adjusted_returns", "fund_regression", "holdings_exposures"]
    for path in shots:
        image = QImage(str(path))
        assert (image.width(), image.height()) == size


def test_size_argument_is_checked():
    """A size that is not WxH is refused with a message saying how to write it."""
    import argparse

    from gui.app import _size

    assert _size("1024x700") == (1024, 700)
    with pytest.raises(argparse.ArgumentTypeError, match="WIDTHxHEIGHT"):
        _size("big")
