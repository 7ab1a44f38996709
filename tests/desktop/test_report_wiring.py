"""Reports from the window: File › Export report…, the peer and profile views, style drift on the Holdings tab.

Real widgets on the demo workspace. The files are read back with poppler's pdftotext and an HTML
parser (not with the code that wrote them), and compared with the numbers the tabs show and with
statsmodels' fit of the demo funds on the demo's six factors (the Fund regression's defaults).
"""

from __future__ import annotations

import html
import re
import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtWidgets import QPushButton

from analytics.data.demo import ROTATION_DATE, make_demo
from tests.reports.helpers import (
    FF6,
    PDFTOTEXT,
    assert_self_contained,
    needs_pdftotext,
    numbers,
    pdf_text,
    printed,
    read_number,
    summary_row,
)
from tests.reports.test_regress_rank import PEER_COLUMNS, statsmodels_peers

ROTATION = pd.Timestamp(ROTATION_DATE)
LABEL = re.compile(r"alpha (-?[\d.]+)% a year \(t (-?[\d.]+)\), R² ([\d.]+)")


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    """statsmodels per demo fund: annualized alpha, its t and 95% interval, IR, loadings, R²."""
    demo = make_demo()
    return statsmodels_peers(demo.funds, demo.factors, 252)


@pytest.fixture
def tabs(window, qtbot):
    """The Fund regression and Holdings exposures tabs, both with results."""
    regression, holdings = window.analysis_tabs[0], window.analysis_tabs[1]
    qtbot.waitUntil(lambda: holdings.result is not None and not holdings.runner.busy, timeout=60_000)
    return regression, holdings


def _export(window, qtbot, path) -> float:
    """Export the report through the window; returns the seconds until it was written."""
    exporter = window.report_exporter()
    started = time.perf_counter()
    with qtbot.waitSignal(exporter.sigWritten, timeout=120_000) as written:
        assert window.export_report_to(path)
    assert written.args == [path]
    return time.perf_counter() - started


def _label_numbers(regression) -> tuple[str, float, float, float]:
    """The selected fund and the alpha (decimal), t and R² its one-line summary shows."""
    fund = regression.fund_label.text().split(": alpha")[0]
    alpha, t, r2 = LABEL.search(regression.fund_label.text()).groups()
    return fund, float(alpha) / 100, float(t), float(r2)


@needs_pdftotext
def test_exported_pdf_and_html_hold_the_tabs_numbers(window, tabs, qtbot, tmp_path) -> None:
    """File › Export report… writes a PDF whose text names every fund with the alpha, t and R² of
    the Fund regression table (and of the selected fund's summary line), SIMULATED on every page,
    with the Holdings tab's style shift on the rotation date; and an HTML file that says the same
    with every picture embedded."""
    regression, holdings = tabs
    pdf, html = tmp_path / "demo.pdf", tmp_path / "demo.html"
    seconds = {"pdf": _export(window, qtbot, pdf), "html": _export(window, qtbot, html)}
    print(f"GUI export of the demo report: {seconds}; last timings {window.report_exporter().timings}")
    text = pdf_text(pdf)
    summary = regression.summary_view.frame().set_index("fund")
    for fund, row in summary.iterrows():
        alpha, t, _, _, r2, *_ = summary_row(text, fund)
        assert printed(row["alpha"], alpha) and printed(row["t_alpha"], t) and printed(row["r2"], r2), fund
    fund, alpha, t, r2 = _label_numbers(regression)
    shown = summary_row(text, fund)
    assert read_number(shown[0]) == pytest.approx(alpha, abs=1e-12) and read_number(shown[1]) == pytest.approx(t)
    assert all("SIMULATED DATA" in page for page in text.split("\f")[:-1])
    flat = " ".join(text.split())
    assert "Style shifts between holdings dates" in flat and f"on 1 date(s): {ROTATION_DATE}" in flat
    assert "Peer comparison" in flat and "Ranked by alpha t-statistic" in flat
    for dataset in (*regression.result_data, *holdings.result_data):  # the run block names the data in use
        assert dataset.name in flat.split("Data files", 1)[1][:300], dataset.name
    assert f"Holdings: {holdings.result.request.holdings.name}" in flat
    page = assert_self_contained(html, figures=len(summary) * 4 + 1)
    for name in summary.index:
        assert f"<h2>{name}</h2>" in page
    assert "SIMULATED DATA" in page and ROTATION_DATE in page
    assert f"{abs(alpha) * 100:.2f}%" in page


@pytest.mark.parametrize("suffix", [".html", ".pdf"])
def test_report_profiles_quote_statsmodels_numbers(window, tabs, qtbot, tmp_path, reference, suffix) -> None:
    """Each fund's profile in the exported report (HTML read as text by stripping its tags; PDF
    by pdftotext) says how much variance the factors explain and what alpha is, with its t and
    95% interval: the numbers statsmodels gives for the same fund, to the digits printed."""
    regression, _ = tabs
    assert list(regression.result.results.factors) == FF6
    if suffix == ".pdf" and PDFTOTEXT is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed")
    path = tmp_path / f"report{suffix}"
    _export(window, qtbot, path)
    text = pdf_text(path) if suffix == ".pdf" else html.unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8")))
    flat = " ".join(text.split())
    for fund, ref in reference.iterrows():
        explained = re.search(rf"factors explain (\S+) of the variance of {re.escape(fund)}'s", flat)
        assert printed(ref["r2"], explained.group(1)), fund
        section = flat[explained.end() :]  # the fund's profile goes on with its alpha
        sentence = re.search(r"Alpha is (\S+) a year \(t (\S+); 95% interval (\S+) to (\S+)\)", section)
        alpha, t, lower, upper = sentence.groups()
        assert printed(ref["alpha"], alpha) and printed(ref["t_alpha"], t), (fund, sentence.group(0))
        assert printed(ref["alpha_lower"], lower) and printed(ref["alpha_upper"], upper), (fund, sentence.group(0))


def test_peer_view_ranks_by_alpha_t_or_ir(tabs, qtbot, reference) -> None:
    """The Peers view lists the funds best first by statsmodels' t(alpha), or by its alpha over
    the residual volatility (the information ratio), with statsmodels' loadings and R²; a click
    on a peer selects that fund."""
    regression, _ = tabs
    for rank_by, key in (("alpha_t", "t_alpha"), ("ir", "ir")):
        regression.rank_combo.setCurrentIndex(regression.rank_combo.findData(rank_by))
        peers = regression.peers_view.frame()
        assert list(peers["fund"]) == list(reference[key].sort_values(ascending=False).index), rank_by
        assert list(peers["rank"]) == list(range(1, len(reference) + 1))
        shown = peers.set_index("fund").loc[reference.index]
        for column in PEER_COLUMNS:
            np.testing.assert_allclose(shown[column], reference[column], rtol=1e-8, err_msg=column)
    assert "ddof = 1" in regression.rank_combo.toolTip()
    last = regression.peers_view.frame()["fund"].iloc[-1]
    regression.peers_view.clicked.emit(regression.peers_view.model().index(len(reference) - 1, 1))
    assert regression.selected_fund == last and regression.fund_label.text().startswith(f"{last}: alpha")
    assert regression.rank_by == "ir"


def test_profile_tab_words_the_selected_funds_numbers(tabs) -> None:
    """The Profile sub-tab quotes the selected fund's alpha and t as the summary shows them, with
    the SIMULATED caveat; selecting another fund rewrites it."""
    regression, _ = tabs
    summary = regression.summary_view.frame().set_index("fund")
    for fund in ("Momentum ETF", "Innovation Growth Fund"):
        regression.select_fund(fund)
        text = regression.profile_view.toPlainText()
        assert text.startswith(f"What {fund} is really giving you")
        alpha, t = numbers(re.search(r"Alpha is (\S+) a year \(t (\S+);", text).group(0))
        assert printed(summary.at[fund, "alpha"], alpha) and printed(summary.at[fund, "t_alpha"], t)
        assert "SIMULATED data" in text
    assert regression.plots.tabText(0) == "Profile"


def test_style_drift_marks_the_rotation_date_and_follows_the_threshold(tabs) -> None:
    """The demo's rotation (tech -> retail on 2017-12-29) is the only shift at the default
    threshold: listed, summarized and marked on every factor plot; a threshold no exposure moves
    by clears the marks, a tiny one marks the quarterly reweightings too, without a new run."""
    _, holdings = tabs
    result = holdings.result
    assert holdings.drift_spin.value() == 0.25 and holdings.drift_spin.toolTip()
    for factor in result.factors:
        assert holdings.shift_marks(factor) == [ROTATION], factor
    shifts = holdings.shifts_view.frame()
    assert set(shifts["holdings_date"]) == {ROTATION} and (shifts["change"].abs() > 0.25).all()
    assert f"on 1 date(s): {ROTATION_DATE}" in holdings.drift_summary.toPlainText()
    compared = holdings.disagreements_title.text()
    assert re.search(r"(\d+) of (\d+)$", compared).group(2) == str(len(result.windows) * 6)
    holdings.drift_spin.setValue(5.0)
    assert all(holdings.shift_marks(f) == [] for f in result.factors) and holdings.shifts_view.frame().empty
    assert "no bottom-up exposure moved by more than 5" in holdings.drift_summary.toPlainText()
    holdings.drift_spin.setValue(0.01)
    assert len(holdings.shift_marks("Mkt-RF")) > 10
    assert not holdings.runner.busy  # the threshold reads the results: no new run
    holdings.drift_spin.setValue(0.25)
    assert holdings.shift_marks("CMA") == [ROTATION]


def test_export_failures_and_cancel_leave_no_file(window, tabs, qtbot, tmp_path) -> None:
    """A folder that does not exist is one warning naming it; Cancel stops the export; neither
    writes anything and the window carries on."""
    exporter = window.report_exporter()
    missing = tmp_path / "missing" / "report.pdf"
    with qtbot.waitSignal(exporter.sigFailed, timeout=120_000):
        assert window.export_report_to(missing)
    level, message = window.notifier.history[-1]
    assert level == "warning" and "folder does not exist" in message
    target = tmp_path / "cancelled.html"
    with qtbot.waitSignal(exporter.sigCancelled, timeout=120_000):
        assert window.export_report_to(target)
        exporter.dialog.findChild(QPushButton).click()
    assert not exporter.busy and list(tmp_path.iterdir()) == []


def test_export_report_needs_a_fund_regression(qtbot) -> None:
    """Before the Fund regression has results, File › Export report… says to run it first."""
    from gui.app import create_app
    from gui.main_window import MainWindow

    create_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "Export report…")
    action.trigger()
    level, message = window.notifier.history[-1]
    assert level == "warning" and "run the Fund regression first" in message
    assert not window.export_report_to("report.pdf")


def test_report_refuses_results_a_failed_run_left_on_screen(window, tabs, qtbot, tmp_path) -> None:
    """After a Fund regression run that did not go through, the results still on screen are the
    previous run's: they are marked so, and File › Export report… refuses them in one warning
    that says what to do, writing nothing."""
    regression, _ = tabs
    regression.start_edit.setText("not a date")
    regression.run(quiet=True)
    qtbot.waitUntil(lambda: not regression.runner.busy, timeout=60_000)
    assert regression.results_are_stale()
    assert not window.export_report_to(tmp_path / "report.pdf")
    level, message = window.notifier.history[-1]
    assert level == "warning" and "press Run" in message
    assert list(tmp_path.iterdir()) == []
