"""One request model for both front ends: the same request gives the same numbers from the
command line and the GUI, errors name the GUI's controls (never a flag), typed values are
checked in the request, and exports carry the record of the run."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from PySide6.QtWidgets import QComboBox

from tests.bad_inputs.make_corpus import TEXT_DIR, text_cases
from tests.conftest import ROOT

FLAG = re.compile(r"(^|[\s(])--[a-z]")


@pytest.fixture
def returns_file(tmp_path) -> Path:
    """Two funds and three factors with RF, monthly, in decimals; fund B has heteroskedastic noise."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2005-01-31", periods=150, freq="ME")
    f = rng.normal(0.005, 0.04, (150, 3))
    rf = np.full(150, 0.001)
    a = rf + 0.002 + f @ [1.1, 0.3, -0.2] + rng.normal(0, 0.02, 150)
    b = rf + f @ [0.8, -0.1, 0.5] + rng.normal(0, 0.01, 150) * (1 + np.abs(f[:, 0]) * 40)
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "A": a, "B": b, "Mkt-RF": f[:, 0], "SMB": f[:, 1]})
    frame["HML"], frame["RF"] = f[:, 2], rf
    path = tmp_path / "funds.csv"
    frame.to_csv(path, index=False)
    return path


def _gui_run(window, qtbot, path: Path, **controls: object):
    """Open ``path`` in the window, set the regression tab's controls and run it."""
    tab = window.analysis_tabs[0]
    with qtbot.waitSignal(window.workspace.sigChanged, timeout=60_000):
        window.open_files([str(path)])
    tab.returns_combo.select(path.name)
    tab.cov_combo.setCurrentIndex(tab.cov_combo.findData(controls["cov"]))
    tab.ppy_spin.setValue(controls["ppy"])
    tab.start_edit.setText(controls["start"])
    tab.end_edit.setText(controls["end"])
    tab.window_spin.setValue(controls["rolling"])
    tab.split_edit.setText(controls["split"])
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    return tab


def test_the_same_request_gives_the_same_numbers_from_the_command_line_and_the_gui(window, qtbot, returns_file):
    """HC0 errors, an annualization override, a date range, rolling and split windows: the GUI's
    tables equal the CLI's .xlsx sheets, and both equal statsmodels' HC0 fit."""
    controls = {
        "cov": "hc0",
        "ppy": 4,
        "start": "2006-01-31",
        "end": "2016-12-31",
        "rolling": 24,
        "split": "2010-06-30",
    }
    tab = _gui_run(window, qtbot, returns_file, **controls)
    out = returns_file.parent / "cli.xlsx"
    cli = [
        sys.executable,
        str(ROOT / "main.py"),
        "regress",
        str(returns_file),
        "--cov-type",
        "hc0",
        "--periods-per-year",
        "4",
        "--start",
        "2006-01-31",
        "--end",
        "2016-12-31",
        "--rolling",
        "24",
        "--split",
        "2010-06-30",
        "--out",
        str(out),
    ]
    done = subprocess.run(cli, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    sheets = pd.read_excel(out, sheet_name=None)
    gui = tab.result.tables()
    for name in ("summary", "coefficients", "rolling_betas", "split_windows"):
        ours, theirs = gui[name], sheets[name]
        numeric = [c for c in ours.columns if pd.api.types.is_float_dtype(ours[c])]
        np.testing.assert_allclose(theirs[numeric].to_numpy(float), ours[numeric].to_numpy(float), rtol=1e-12)
    data = pd.read_csv(returns_file, parse_dates=["date"]).set_index("date").loc["2006-01-31":"2016-12-31"]
    x = sm.add_constant(data[["Mkt-RF", "SMB", "HML"]])
    fit = sm.OLS(data["B"] - data["RF"], x).fit(cov_type="HC0")
    detail = gui["coefficients"].query("fund == 'B'").set_index("term")
    np.testing.assert_allclose(detail["std_err"].to_numpy(), fit.bse.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(gui["summary"].set_index("fund").loc["B", "alpha"], fit.params["const"] * 4, rtol=1e-8)


def test_exports_carry_the_run(window, qtbot, returns_file, tmp_path):
    """A CSV export gets <name>.run.json: version, the input file with its SHA-256, the options
    and the notes; an .xlsx gets a run sheet; a demo export says SIMULATED."""
    controls = {"cov": "hac", "ppy": 0, "start": "", "end": "", "rolling": 0, "split": ""}
    tab = _gui_run(window, qtbot, returns_file, **controls)
    written = window.export_to(str(tmp_path / "results.csv"))
    record = json.loads((tmp_path / "results.run.json").read_text())
    assert written == tmp_path / "results.csv"
    assert record["analysis"] == "regression" and record["version"]
    (source,) = record["inputs"]
    assert source["path"] == str(returns_file)
    assert source["sha256"] == hashlib.sha256(returns_file.read_bytes()).hexdigest()
    assert record["options"]["cov_type"] == "hac" and record["options"]["hac_lags"] == tab.lags_spin.value()
    assert record["simulated"] is False and record["notes"]
    # What the data decided: the returns file is monthly (12 a year), with FF3's columns.
    assert record["used"]["periods_per_year"] == 12 and record["used"]["factors"] == ["Mkt-RF", "SMB", "HML"]
    assert "Newey-West" in record["used"]["standard_errors"]
    tab.returns_combo.select("Demo funds + factors (daily)")
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    window.export_to(str(tmp_path / "demo.xlsx"))
    run = pd.read_excel(tmp_path / "demo.xlsx", sheet_name="run").set_index("field")
    assert run.loc["simulated", "value"] == "true"
    assert "SIMULATED demo data." in set(run.loc[["note"], "value"])


def test_typed_values_are_checked_in_the_request_and_named_by_their_label(window):
    """A typo in 'Split at' or 'Start' is a warning naming the control, not a crash report."""
    tab = window.analysis_tabs[0]
    tab.split_edit.setText("2017-13-45")
    assert tab.run() is False
    assert window.notifier.history[-1] == ("warning", "Split at: '2017-13-45' is not a date; write it as YYYY-MM-DD.")
    tab.split_edit.setText("")
    tab.start_edit.setText("2019-01-01")
    tab.end_edit.setText("2018-01-01")
    assert tab.run() is False
    assert window.notifier.history[-1] == ("warning", "End: the start 2019-01-01 is after the end 2018-01-01.")


def test_no_flag_reaches_a_gui_dialog(window, qtbot):
    """Every bad file of the corpus opened in the window, and bad inputs in every tab: the
    messages name files, rows, columns and controls, never a command-line flag."""
    before = len(window.notifier.history)
    paths = [str(p) for p in text_cases().values()] + [str(p) for p in sorted((TEXT_DIR / "holdings").glob("*"))]
    window.open_files(paths)
    qtbot.waitUntil(lambda: not window._pending and not window.loader.busy, timeout=120_000)
    for tab in window.analysis_tabs:
        for name in ("start_edit", "split_edit"):
            if hasattr(tab, name):
                getattr(tab, name).setText("soon")
        tab.run()
    messages = [text for _level, text in window.notifier.history[before:]]
    assert len(messages) > 10
    flagged = [m for m in messages if FLAG.search(m)]
    assert not flagged, flagged


def test_several_factor_sets_and_a_custom_model_in_the_gui(window, qtbot, returns_file):
    """Two factor data sets ticked (joined on date) and a custom model of columns from both:
    the loadings equal statsmodels on the joined columns."""
    from analytics.data.dataset import Dataset
    from analytics.data.returns import ReturnsData

    raw = pd.read_csv(returns_file, parse_dates=["date"]).set_index("date")
    empty = pd.DataFrame(index=raw.index)
    market = ReturnsData(empty, raw[["Mkt-RF", "RF"]], "monthly", "market.csv")
    other = ReturnsData(empty, raw[["HML"]].rename(columns={"HML": "BAB"}), "monthly", "bab.xlsx")
    funds = ReturnsData(raw[["A", "B"]], pd.DataFrame(index=raw.index), "monthly", "funds only")
    for name, data in (("funds only", funds), ("market", market), ("bab", other)):
        window.workspace.add(Dataset(name, "returns", data, name))
    tab = window.analysis_tabs[0]
    tab.returns_combo.select("funds only")
    tab.factors_list.set_checked(["market", "bab"])
    assert tab.model_combo.available == ["Mkt-RF", "BAB"]
    tab.model_combo.set_custom(["Mkt-RF", "BAB"])
    with qtbot.waitSignal(tab.sigResultChanged, timeout=60_000):
        assert tab.run()
    fit = sm.OLS(raw["A"] - raw["RF"], sm.add_constant(raw[["Mkt-RF", "HML"]])).fit()
    params = tab.result.results.params.loc["A"]
    np.testing.assert_allclose(
        params[["Mkt-RF", "BAB"]].to_numpy(), fit.params[["Mkt-RF", "HML"]].to_numpy(), rtol=1e-8
    )


def test_models_the_chosen_factors_cannot_make_are_greyed(qtbot):
    """With FF3 and momentum columns only (the Ken French FF3 and momentum files), CAPM, FF3 and
    Carhart can be chosen; FF5 and FF6 (need RMW, CMA) and q5 (needs R_ME, R_IA, R_ROE, R_EG) are
    greyed out with a tooltip naming what is missing."""
    from gui.widgets.inputs import ModelCombo

    combo = ModelCombo("test/model")
    qtbot.addWidget(combo)
    combo.available = ["Mkt-RF", "SMB", "HML", "MOM"]
    items = QComboBox.model(combo)

    def enabled(name: str) -> bool:
        return items.item(combo.findText(name)).isEnabled()

    assert [m for m in ("capm", "ff3", "carhart", "ff5", "ff6", "q5") if enabled(m)] == ["capm", "ff3", "carhart"]
    assert items.item(combo.findText("ff5")).toolTip() == "needs RMW, CMA: not in the chosen factors"
    combo.available = []  # nothing known yet: nothing greyed
    assert all(enabled(m) for m in ("ff5", "q5"))
