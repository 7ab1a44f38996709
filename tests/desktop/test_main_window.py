"""The main window with real widgets and real jobs on the thread pool (offscreen)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from analytics.data.demo import DEMO_LABEL


def test_demo_workspace_fills_every_tab_and_is_labelled(window):
    """First start shows the simulated demo: data panel rows marked simulated, regression results."""
    rows = window.data_panel.rows()
    assert len(rows) == 6
    assert all("simulated" in kind for _name, kind, _c in rows)
    assert window.demo_label.text() == DEMO_LABEL
    tab = window.analysis_tabs[0]
    summary = tab.summary_view.frame()
    assert list(summary["fund"]) == [
        "Value Quality Fund",
        "Innovation Growth Fund",
        "Momentum ETF",
        "Index Tracker",
        "Small Value Fund",
    ]
    assert "SIMULATED" in tab.notes_label.text()
    # the demo's known loadings are recovered: index tracker beta ~ 1
    assert abs(summary.set_index("fund").loc["Index Tracker", "Mkt-RF"] - 1.0) < 0.01


def test_loadings_plot_shows_selected_fund_with_intervals(window):
    """The loadings chart draws the selected fund's betas with 95% intervals around them."""
    tab = window.analysis_tabs[0]
    tab.select_fund("Momentum ETF")
    bars = tab.loadings_plot.bars()
    result = tab.result.results
    np.testing.assert_allclose(bars["value"], result.params.loc["Momentum ETF", result.factors])
    assert (bars["lower"] < bars["value"]).all() and (bars["value"] < bars["upper"]).all()
    text = tab.loadings_plot.hover_at(5.0, 0.0)
    assert text.startswith("MOM: ") and "95% CI" in text


def test_abnormal_path_is_cumulative_alpha_plus_residual(window):
    """The abnormal-return curve is the running sum of alpha + residual of the selected fund."""
    tab = window.analysis_tabs[0]
    tab.select_fund("Value Quality Fund")
    _x, y = tab.abnormal_plot.curve_data("abnormal (alpha + residual)")
    result = tab.result.results
    expected = (result.resid["Value Quality Fund"] + result.params.loc["Value Quality Fund", "const"]).cumsum()
    np.testing.assert_allclose(y, expected.to_numpy())
    assert "2012-" in tab.abnormal_plot.hover_at(_x[10], 0.0)


def test_window_stays_responsive_and_cancel_keeps_previous_results(window, qtbot, slow_dataset):
    """During a long job the event loop keeps running; cancel stops it within 1 s, old results stay."""
    tab = window.analysis_tabs[0]
    before = tab.summary_view.frame().copy()
    window.workspace.add(slow_dataset)
    tab.returns_combo.select(slow_dataset.name)
    tab.cov_combo.setCurrentIndex(tab.cov_combo.findData("hac"))
    tab.lags_spin.setValue(40)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    assert tab.run()
    timer.start(20)
    qtbot.waitUntil(lambda: tab.job_bar.progress.value() > 0, timeout=20_000)
    qtbot.wait(500)
    timer.stop()
    assert tab.runner.busy, "the job should still be running"
    gaps = np.diff(ticks)
    assert len(ticks) > 10 and gaps.max() < 0.5, f"GUI thread blocked for {gaps.max():.2f} s"
    started = time.monotonic()
    with qtbot.waitSignal(tab.runner.sigCancelled, timeout=2000):
        tab.job_bar.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.runner.busy, timeout=2000)
    assert time.monotonic() - started < 1.0
    pd.testing.assert_frame_equal(tab.summary_view.frame(), before)
    assert "Cancelled" in tab.job_bar.status.text()


def test_closing_during_a_job_shuts_the_pool_down(window, qtbot, slow_dataset):
    """Closing the window while a job runs cancels it and returns within 1 s (issue 17); the job
    stops at its next progress report, without a crash."""
    tab = window.analysis_tabs[0]
    window.workspace.add(slow_dataset)
    tab.returns_combo.select(slow_dataset.name)
    tab.cov_combo.setCurrentIndex(tab.cov_combo.findData("hac"))
    tab.lags_spin.setValue(40)
    assert tab.run()
    qtbot.waitUntil(lambda: tab.job_bar.progress.value() > 0, timeout=20_000)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 1.0
    from PySide6.QtCore import QThreadPool

    assert QThreadPool.globalInstance().waitForDone(5000)


def test_bad_file_shows_one_message_and_keeps_the_workspace(window, qtbot, tmp_path):
    """A file that cannot be read gives one warning naming it; loaded data and results stay."""
    bad = tmp_path / "broken.csv"
    bad.write_text("date,fund\n2020-01-31,abc\n2020-02-29,0.01\n2020-03-31,0.02\n")
    before = [d.name for d in window.workspace.datasets()]
    result_before = window.analysis_tabs[0].result
    with qtbot.waitSignal(window.notifier.sigNotified, timeout=10_000) as signal:
        window.open_files([str(bad)], "returns")
    level, message = signal.args
    assert level == "warning" and "broken.csv" in message and "row 2" in message
    assert [d.name for d in window.workspace.datasets()] == before
    assert window.analysis_tabs[0].result is result_before


def test_bad_run_inputs_show_a_dialog_not_a_crash(window):
    """Running with no fund ticked is refused with a message; nothing is started."""
    tab = window.analysis_tabs[0]
    tab.fund_list.set_all_checked(False)
    assert tab.run() is False
    assert window.notifier.history[-1][0] == "warning"
    assert window.notifier.history[-1][1] == "Funds: no funds chosen; choose at least one fund."


def test_dropped_file_is_loaded_and_listed(window, qtbot, tmp_path):
    """Dropping a returns file on the window loads it into the data panel."""
    dates = pd.date_range("2015-01-31", periods=30, freq="ME")
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "Mkt-RF": rng.normal(0, 0.04, 30),
            "RF": 0.001,
            "MyFund": rng.normal(0.01, 0.05, 30),
        }
    )
    path = tmp_path / "myfund.csv"
    frame.to_csv(path, index=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.workspace.sigChanged, timeout=10_000):
        window.dropEvent(event)
    names = [row[0] for row in window.data_panel.rows()]
    assert "myfund.csv" in names
    assert window.workspace.get("myfund.csv").data.freq == "monthly"


def test_export_writes_every_table_atomically(window, tmp_path):
    """Export of the regression tab writes an .xlsx with the summary first, and a CSV summary."""
    xlsx = window.export_to(str(tmp_path / "out.xlsx"))
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert next(iter(sheets)) == "summary" and len(sheets["summary"]) == 5
    csv = window.export_to(str(tmp_path / "out.csv"))
    assert list(pd.read_csv(csv).columns[:3]) == ["fund", "alpha", "t_alpha"]
    assert not list(tmp_path.glob("*.tmp"))


def test_export_to_a_missing_folder_is_a_message(window, tmp_path):
    """Exporting into a folder that does not exist gives a warning and writes nothing."""
    assert window.export_to(str(tmp_path / "nope" / "out.csv")) is None
    assert "folder does not exist" in window.notifier.history[-1][1]


def test_summary_table_copies_with_headers(window):
    """Ctrl+C on the results table copies the selection with its column headers as TSV."""
    view = window.analysis_tabs[0].summary_view
    view.selectAll()
    text = view.copy_selection()
    lines = text.splitlines()
    assert lines[0].split("\t")[:2] == ["fund", "alpha"]
    assert len(lines) == 6
    assert QApplication.clipboard().text() == text


def test_model_choice_persists(window, qtbot):
    """The chosen model is remembered in the settings for the next start."""
    from gui.main_window import MainWindow

    window.analysis_tabs[0].model_combo.setCurrentText("ff3")
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.analysis_tabs[0].model_combo.currentText() == "ff3"


def test_worker_crash_is_reported_with_a_log_file(window, qtbot, factordesk_home: Path):
    """An unexpected exception in a job shows an error dialog and writes a crash report."""

    def broken_job():
        yield from ()
        raise RuntimeError("boom")

    runner = window.analysis_tabs[0].runner
    with qtbot.waitSignal(window.notifier.sigNotified, timeout=5000) as signal:
        runner.submit(broken_job, "broken")
    assert signal.args[0] == "error" and "boom" in signal.args[1]
    reports = list((factordesk_home / "log").glob("crash-*.txt"))
    assert reports and "RuntimeError: boom" in reports[0].read_text()
    assert "RuntimeError: boom" in window.notifier.last_dialog.detailedText()


def test_rolling_and_split_betas_follow_the_selected_fund(window, qtbot):
    """Rolling loadings are drawn per factor; split windows refit before and after the split date."""
    tab = window.analysis_tabs[0]
    tab.split_edit.setText("2017-12-29")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        tab.run()
    tab.select_fund("Index Tracker")
    assert tab.rolling_plot.names == ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
    _x, beta = tab.rolling_plot.curve_data("Mkt-RF")
    assert abs(np.nanmedian(beta) - 1.0) < 0.02  # the tracker's true market beta is 1
    splits = tab.split_view.frame()
    assert list(splits["window_end"].astype(str)) == ["2017-12-29", "2021-12-31"]
    assert (splits["fund"] == "Index Tracker").all()


def test_first_start_opens_the_demo_after_the_window_paints(qtbot, factordesk_home):
    """With no previous session, the demo workspace loads once the window is on screen."""
    from gui.app import create_app, show_and_restore
    from gui.main_window import MainWindow

    create_app([])
    win = MainWindow()
    qtbot.addWidget(win)
    show_and_restore(win)
    qtbot.waitUntil(lambda: len(win.workspace.datasets()) == 6, timeout=30_000)
    assert all(d.simulated for d in win.workspace.datasets())


def test_next_start_reopens_last_sessions_files(qtbot, factordesk_home, tmp_path):
    """Files loaded when the window closed are reopened at the next start instead of the demo."""
    from gui.app import create_app, show_and_restore
    from gui.main_window import MainWindow

    create_app([])
    path = tmp_path / "fund.csv"
    dates = pd.date_range("2015-01-31", periods=40, freq="ME").strftime("%Y-%m-%d")
    pd.DataFrame(
        {"date": dates, "Mkt-RF": np.linspace(-0.05, 0.05, 40), "RF": 0.001, "Fund": np.linspace(0.04, -0.03, 40)}
    ).to_csv(path, index=False)
    first = MainWindow()
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.workspace.sigChanged, timeout=10_000):
        first.open_files([str(path)], "returns")
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    show_and_restore(second)
    qtbot.waitUntil(lambda: second.workspace.get("fund.csv") is not None, timeout=10_000)
    assert not any(d.simulated for d in second.workspace.datasets())


def test_a_bad_file_does_not_stop_the_next_ones(window, qtbot, tmp_path):
    """Opening several files where the first cannot be read still loads the others."""
    bad = tmp_path / "bad.csv"
    bad.write_text("date,x\nnot-a-date,1\n")
    good = tmp_path / "good.csv"
    dates = pd.date_range("2015-01-31", periods=30, freq="ME").strftime("%Y-%m-%d")
    pd.DataFrame(
        {"date": dates, "Mkt-RF": np.linspace(-0.04, 0.04, 30), "RF": 0.001, "Fund": np.linspace(0.03, -0.02, 30)}
    ).to_csv(good, index=False)
    window.open_files([str(bad), str(good)])
    qtbot.waitUntil(lambda: window.workspace.get("good.csv") is not None, timeout=10_000)
    assert "bad.csv" in window.notifier.history[-1][1]
