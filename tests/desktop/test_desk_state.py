"""Honest state: stale results are marked, empty panels say why, the status bar names the data,
long jobs show how far they are and can be cancelled."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd

from analytics.data.demo import DEMO_LABEL
from analytics.jobs import Progress


def test_failed_run_marks_old_results(window, qtbot):
    """A run that fails leaves the last results on screen under a banner naming the previous run."""
    tab = window.analysis_tabs[0]
    before = tab.result

    def broken_job():
        yield Progress(0.1, "working")
        raise ValueError("the disk went away")

    assert not tab.results_are_stale()
    with qtbot.waitSignal(tab.runner.sigFailed, timeout=10_000):
        tab.runner.submit(broken_job, "Broken run…")
    assert tab.result is before
    assert tab.results_are_stale()
    assert "previous run" in tab.stale_banner.text() and "failed" in tab.stale_banner.text()
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    assert not tab.results_are_stale()


def test_refused_run_marks_old_results(window):
    """Pressing Run with no fund ticked is refused, and the results say they are the previous run's."""
    tab = window.analysis_tabs[0]
    tab.fund_list.set_all_checked(False)
    assert not tab.run()
    assert tab.results_are_stale() and "did not start" in tab.stale_banner.text()
    tab.fund_list.set_all_checked(True)


def test_empty_panels_say_why(qtbot, factordesk_home):
    """Before any result every table and plot says how to fill it; a quiet run says what is missing."""
    from gui.app import create_app
    from gui.main_window import MainWindow
    from gui.widgets.placeholder import NO_RESULTS

    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    tab = window.analysis_tabs[1]
    assert tab.contributions_view.empty.text() == NO_RESULTS
    assert all(p.empty.text() == NO_RESULTS for p in [tab.coverage_plot])
    assert not tab.run(quiet=True)
    assert tab.contributions_view.empty.text().startswith("Cannot run yet: Holdings: no holdings loaded")
    assert window.notifier.history == []  # quiet: no dialog


def test_empty_split_windows_and_active_exposures_have_hints(window):
    """After a run without split dates, the split table says what would fill it; the active
    exposures table carries its hint (no benchmark) for after its tab's run."""
    split = window.analysis_tabs[0].split_view
    assert split.is_empty() and "Split at" in split.empty.text()
    assert "Benchmark" in window.analysis_tabs[1].active_view.empty.hint


def test_status_bar_names_the_data_in_use(window, qtbot, tmp_path):
    """The status bar names the current tab's data; the SIMULATED flag goes when real data are analysed."""
    assert "Demo funds + factors (daily)" in window.data_label.text()
    assert window.demo_label.text() == DEMO_LABEL
    rng = np.random.default_rng(2)
    dates = pd.date_range("2010-01-31", periods=60, freq="ME")
    frame = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "Mkt-RF": rng.normal(0.005, 0.04, 60),
            "SMB": rng.normal(0, 0.02, 60),
            "HML": rng.normal(0, 0.02, 60),
            "RF": 0.001,
            "BRK": rng.normal(0.01, 0.05, 60),
        }
    )
    frame.to_csv(tmp_path / "brk.csv", index=False)
    with qtbot.waitSignal(window.workspace.sigChanged, timeout=10_000):
        window.open_files([str(tmp_path / "brk.csv")])
    tab = window.analysis_tabs[0]
    tab.returns_combo.select("brk.csv")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    assert window.data_label.text() == "Fund regression results from: brk.csv"
    assert window.demo_label.text() == ""
    window.tabs.setCurrentIndex(2)
    assert "Demo stock panel" in window.data_label.text() and window.demo_label.text() == DEMO_LABEL


def test_time_left_estimate():
    """The estimate appears once the pace is known and reads in seconds, minutes or hours."""
    from gui.widgets.job_bar import time_left

    assert time_left(1.0, 0.5) == ""  # too early to tell
    assert time_left(10.0, 0.5) == "about 10 s left"
    assert time_left(60.0, 0.25) == "about 3 min left"
    assert time_left(3600.0, 0.25) == "about 3.0 h left"


def test_long_load_shows_progress_and_cancels(window, qtbot):
    """A load that reports bytes read shows them with its fraction in the status bar and stops on Cancel."""
    release = threading.Event()

    def reading_job():
        yield Progress(0.0, "reading big.csv")
        for done in range(1, 200):
            yield Progress(done / 200, f"reading big.csv: {31.0 * done / 200:.1f} of 31.0 MB")
            release.wait(0.02)
        return []

    bar = window.load_bar
    assert not bar.isVisible()
    assert window.loader.submit(reading_job, "Reading big.csv…")
    qtbot.waitUntil(lambda: "of 31.0 MB" in bar.status.text(), timeout=5_000)
    assert bar.isVisible() and bar.progress.value() > 0 and "%" in bar.status.text()
    started = time.monotonic()
    with qtbot.waitSignal(window.loader.sigCancelled, timeout=2_000):
        bar.cancel_button.click()
    assert time.monotonic() - started < 1.0
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=2_000)
    release.set()


def test_job_bar_is_a_busy_indicator_until_the_first_fraction(window, qtbot):
    """Before a job says how far it is, its bar moves as a busy indicator (range 0..0)."""
    gate = threading.Event()

    def quiet_job():
        yield Progress(0.0, "starting")
        gate.wait(2)
        yield Progress(0.5, "half")
        return []

    bar = window.load_bar
    window.loader.submit(quiet_job, "Quiet…")
    assert bar.progress.maximum() == 0
    gate.set()
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=5_000)
    assert bar.progress.maximum() == 1000
