"""``python main.py regress``: the issue's command-line contract, run as a real subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli_process import run_main

ROOT = Path(__file__).resolve().parent.parent
FACTORS = ["Mkt-RF", "SMB", "HML"]


def regress(*args: str | Path) -> subprocess.CompletedProcess:
    return run_main("regress", *args, timeout=120)


def _frame(n: int = 36, seed: int = 0) -> pd.DataFrame:
    """Monthly factors (decimals, with RF) and two total-return funds, B starting later."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-31", periods=n, freq="ME")
    frame = pd.DataFrame(rng.normal(0.005, 0.04, (n, 3)).round(6), columns=FACTORS)
    frame.insert(0, "date", dates.strftime("%Y-%m-%d"))
    frame["RF"] = 0.001
    frame["A"] = (0.002 + frame[FACTORS].to_numpy() @ [1.1, 0.3, -0.2] + rng.normal(0, 0.02, n) + 0.001).round(6)
    frame["B"] = (frame["Mkt-RF"] * 0.7 + rng.normal(0, 0.02, n) + 0.001).round(6)
    frame.loc[:5, "B"] = np.nan
    return frame


@pytest.fixture
def returns_csv(tmp_path) -> Path:
    path = tmp_path / "funds.csv"
    _frame().to_csv(path, index=False)
    return path


def single_error_line(proc: subprocess.CompletedProcess) -> str:
    """The one ``error:`` line of a run that must exit 2 without a traceback (notes aside)."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and len([ln for ln in proc.stderr.splitlines() if not ln.startswith("note:")]) == 1
    return errors[0]


def test_printed_table_and_auto_model_note(returns_csv) -> None:
    """Without --model the largest model is chosen and noted; stdout is the readable table."""
    proc = regress(returns_csv)
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0].split()
    assert header[:5] == ["fund", "alpha", "t_alpha", "Mkt-RF", "t_Mkt-RF"]
    assert header[-8:] == ["r2", "adj_r2", "ivol", "n_obs", "years", "start", "end", "note"]
    assert "model ff3" in proc.stderr and "chosen" in proc.stderr


def test_csv_output_columns_and_values(returns_csv, tmp_path) -> None:
    """--out CSV has the contract's columns in order and statsmodels' numbers; B's span is its own."""
    import statsmodels.api as sm

    out = tmp_path / "res.csv"
    proc = regress(returns_csv, "--out", out)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == [
        "fund",
        "alpha",
        "t_alpha",
        "Mkt-RF",
        "t_Mkt-RF",
        "SMB",
        "t_SMB",
        "HML",
        "t_HML",
        "r2",
        "adj_r2",
        "ivol",
        "n_obs",
        "years",
        "start",
        "end",
        "note",
    ]
    frame = _frame()
    fit = sm.OLS(frame["A"] - frame["RF"], sm.add_constant(frame[FACTORS])).fit()
    row = table.set_index("fund").loc["A"]
    assert row["alpha"] == pytest.approx(fit.params["const"] * 12, rel=1e-8)
    assert row["t_HML"] == pytest.approx(fit.tvalues["HML"], rel=1e-8)
    assert row["ivol"] == pytest.approx(fit.resid.std(ddof=1) * np.sqrt(12), rel=1e-8)
    b = table.set_index("fund").loc["B"]
    assert b["n_obs"] == 30 and b["start"] == "2015-07-31" and b["years"] == pytest.approx(2.5)


def test_xlsx_output_has_every_table(returns_csv, tmp_path) -> None:
    """--out .xlsx writes the summary first plus the other tables as sheets."""
    out = tmp_path / "res.xlsx"
    assert regress(returns_csv, "--out", out, "--model", "capm").returncode == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert next(iter(sheets)) == "summary" and {"coefficients", "diagnostics"} <= set(sheets)
    assert list(sheets["summary"]["fund"]) == ["A", "B"]


def test_funds_model_hac_start_end(returns_csv, tmp_path) -> None:
    """--funds, --model capm, --hac, --start/--end select what is estimated and how."""
    import statsmodels.api as sm

    out = tmp_path / "r.csv"
    proc = regress(
        returns_csv,
        "--funds",
        "A",
        "--model",
        "capm",
        "--hac",
        "3",
        "--start",
        "2015-06-30",
        "--end",
        "2017-06-30",
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    row = pd.read_csv(out).iloc[0]
    frame = _frame().set_index("date").loc["2015-06-30":"2017-06-30"]
    fit = sm.OLS(frame["A"] - frame["RF"], sm.add_constant(frame[["Mkt-RF"]])).fit(
        cov_type="HAC", cov_kwds={"maxlags": 3}
    )
    assert row["fund"] == "A" and "SMB" not in row.index
    assert row["t_Mkt-RF"] == pytest.approx(fit.tvalues["Mkt-RF"], rel=1e-8)
    assert (row["start"], row["end"], row["n_obs"]) == ("2015-06-30", "2017-06-30", 25)


def test_separate_factor_file_in_percent_and_excess(tmp_path) -> None:
    """--factors FILE (percent, declared with --factor-units) and --excess give the same loadings."""
    frame = _frame()
    funds, factors = tmp_path / "f.csv", tmp_path / "ff.csv"
    excess = frame[["date"]].assign(A=frame["A"] - frame["RF"])
    excess.to_csv(funds, index=False)
    pct = frame[["date", *FACTORS, "RF"]].copy()
    pct[[*FACTORS, "RF"]] *= 100
    pct.to_csv(factors, index=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert regress(funds, "--factors", factors, "--excess", "--factor-units", "percent", "--out", a).returncode == 0
    combined = tmp_path / "c.csv"
    frame.drop(columns="B").to_csv(combined, index=False)
    assert regress(combined, "--out", b).returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(a), pd.read_csv(b), rtol=1e-8)


def test_chapter_arkk_times_252_on_request(shared_data, tmp_path) -> None:
    """--periods-per-year 252 reproduces the chapter's ARKK const 1.7109 (default ×12 does not)."""
    out = tmp_path / "arkk.csv"
    proc = regress(
        shared_data / "brk_arkk_ff6_monthly.csv", "--funds", "ARKK", "--periods-per-year", "252", "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    assert pd.read_csv(out)["alpha"].iloc[0] == pytest.approx(1.7109, abs=5e-5)
    assert "252 periods per year" in proc.stderr


def _write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


BAD_INPUTS = {
    "missing file": (lambda d: [d / "nope.csv"], "nope.csv: file not found"),
    "no date column": (
        lambda d: [_write(d / "x.csv", _frame().drop(columns="date").assign(k="x"))],
        "x.csv: no date column",
    ),
    "unparseable dates": (
        lambda d: [_write(d / "x.csv", _frame().replace({"2015-03-31": "March"}))],
        "x.csv: row 4, column 'date': 'March' is not a date",
    ),
    "duplicate dates": (
        lambda d: [_write(d / "x.csv", _frame().replace({"2015-03-31": "2015-02-28"}))],
        r"x.csv: row 3 \(2015-02-28\) and row 4 \(2015-02-28\)",
    ),
    "non-numeric cell": (
        lambda d: [_write(d / "x.csv", _frame().astype({"A": object}).replace({_frame()["A"][9]: "n.a."}))],
        "x.csv: row 11, column 'A': 'n.a.' is not a number",
    ),
    "too few observations": (
        lambda d: [_write(d / "x.csv", _frame(n=4).drop(columns="B")), "--model", "ff3"],
        "fund 'A': 4 observations for 4 parameters",
    ),
    "missing RF": (lambda d: [_write(d / "x.csv", _frame().drop(columns="RF"))], "x.csv: no RF column"),
    "factor missing": (
        lambda d: [_write(d / "x.csv", _frame().drop(columns="HML")), "--model", "ff3"],
        "--model: x.csv: factor column 'HML' needed by the model ff3",
    ),
    "collinear factors": (
        lambda d: [_write(d / "x.csv", _frame().assign(HML=lambda f: f["Mkt-RF"] + f["SMB"]))],
        "x.csv: factor 'HML' is a linear combination",
    ),
    "no overlap": (
        lambda d: [
            _write(
                d / "x.csv",
                _frame()
                .assign(B=lambda f: f["A"].where(f.index < 3))
                .assign(**{"Mkt-RF": lambda f: f["Mkt-RF"].where(f.index >= 3)})
                .drop(columns="A"),
            )
        ],
        "fund 'B'.*no dates in common",
    ),
    "unknown fund": (lambda d: [_write(d / "x.csv", _frame()), "--funds", "Z"], "--funds: x.csv: no fund 'Z'"),
    "bad --start": (lambda d: [_write(d / "x.csv", _frame()), "--start", "soon"], "--start: 'soon' is not a date"),
}


def run_main_parallel(argvs: dict[str, list], batch: int = 6) -> dict[str, subprocess.CompletedProcess]:
    """``python main.py ARGS`` for each entry, a batch at a time (interpreter start-up dominates)."""
    runs, items = {}, list(argvs.items())
    for lo in range(0, len(items), batch):
        procs = {
            key: subprocess.Popen(
                [sys.executable, str(ROOT / "main.py"), *map(str, args)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for key, args in items[lo : lo + batch]
        }
        for key, proc in procs.items():
            out, err = proc.communicate(timeout=300)
            runs[key] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return runs


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every bad input of the table above, run as real processes."""
    return run_main_parallel(
        {case: ["regress", *build(tmp_path_factory.mktemp("bad"))] for case, (build, _) in BAD_INPUTS.items()}
    )


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line(bad_runs, case) -> None:
    """Each bad input of issue 2: exit 2, one 'error:' line naming file/row/column, no traceback."""
    line = single_error_line(bad_runs[case])
    assert re.search(BAD_INPUTS[case][1], line), line
