"""The Fund regression tab lists the funds it could not fit, with their reasons (issue 11)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.data.dataset import Dataset
from analytics.data.returns import ReturnsData


def _dataset() -> Dataset:
    """Two good funds, one with three months of returns and one that never varies (cash)."""
    rng = np.random.default_rng(3)
    dates = pd.date_range("2015-01-31", periods=60, freq="ME")
    factors = pd.DataFrame(rng.normal(0.005, 0.04, (60, 3)), index=dates, columns=["Mkt-RF", "SMB", "HML"])
    factors["RF"] = 0.001
    funds = pd.DataFrame(
        {
            "GOOD": 0.001 + factors["Mkt-RF"] + rng.normal(0, 0.02, 60),
            "NEW": np.where(np.arange(60) >= 57, rng.normal(0, 0.02, 60), np.nan),
            "CASH": 0.001,
            "ALSO": 0.5 * factors["SMB"] + rng.normal(0, 0.02, 60),
        },
        index=dates,
    )
    return Dataset(
        "Funds with bad series", "returns", ReturnsData(funds, factors, "monthly", "skips"), "monthly, 4 funds"
    )


def test_skipped_funds_are_listed_and_the_others_shown(window, qtbot):
    """The run succeeds: good funds are plotted, the skipped ones keep their table row with the
    reason in the note column, the notes say 'Skipped: 2 fund(s)', and clicking a skipped row
    says why instead of failing."""
    tab = window.analysis_tabs[0]
    dataset = _dataset()
    window.workspace.add(dataset)
    tab.returns_combo.select(dataset.name)
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    summary = tab.summary_view.frame().set_index("fund")
    assert list(summary.index) == ["GOOD", "NEW", "CASH", "ALSO"] and summary.columns[-1] == "note"
    assert summary.loc["NEW", "note"].startswith("3 observations for 4 parameters")
    assert summary.loc["CASH", "note"] == "its excess returns do not vary; leave it out."
    assert summary.loc["GOOD", "note"] == "" and np.isnan(summary.loc["CASH", "alpha"])
    notes = tab.notes_label.text()
    assert "Skipped: 2 fund(s), not fitted: NEW (3 observations" in notes and "CASH (its excess returns" in notes
    assert tab.selected_fund == "GOOD"
    row = list(tab.summary_view.frame()["fund"]).index("CASH")
    tab.summary_view.clicked.emit(tab.summary_view.model().index(row, 0))
    assert tab.fund_label.text().startswith("CASH: not fitted: its excess returns do not vary")


def test_crsp_extract_in_the_regression_tab(window, qtbot, shared_data):
    """The CRSP extract (4,000+ permnos as funds) with the percent FF3 file as factors: the tab
    fits every permno with 5+ months and lists the others as skipped, without an error."""
    crsp = pd.read_csv(shared_data / "crsp_monthly_2019_2020.csv")
    months = crsp.dropna(subset=["ret"]).groupby("permno")["date"].nunique()
    tab = window.analysis_tabs[0]
    names_before = {d.name for d in window.workspace.datasets()}
    window.open_files(
        [str(shared_data / "crsp_monthly_2019_2020.csv"), str(shared_data / "ff3_monthly_1926_2021_percent.csv")],
        "returns",
    )
    qtbot.waitUntil(
        lambda: len({d.name for d in window.workspace.datasets()}) == len(names_before) + 2, timeout=120_000
    )
    added = [d.name for d in window.workspace.datasets() if d.name not in names_before]
    tab.returns_combo.select(next(n for n in added if "crsp" in n))
    tab.factors_list.set_checked([next(n for n in added if "ff3" in n)])
    tab.model_combo.setCurrentText("ff3")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=120_000):
        assert tab.run()
    summary = tab.summary_view.frame().set_index("fund")
    fitted = summary["note"] == ""
    assert {int(f) for f in summary.index[fitted]} == set(months.index[months >= 5])
    assert len(tab.result.results.skipped) == (months < 5).sum()
    assert f"Skipped: {(months < 5).sum()} fund(s)" in tab.notes_label.text()
    assert (
        "no rolling loadings: the rolling window of 36 periods is longer than the 24 periods" in tab.notes_label.text()
    )
