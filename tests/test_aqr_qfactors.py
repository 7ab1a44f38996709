"""q-factor files (global-q.org) and AQR factor workbooks as published, custom models, and factor
sources joined on date: each against a minimal parser written here (``csv``, ``openpyxl``) and
statsmodels, never against the app.

Real files: ``../shared/data/real/qfactors/q5_factors_monthly_2022.csv`` (``year,month,R_F,R_MKT,...``,
percent) and ``../shared/data/real/aqr/Betting Against Beta Equity Factors Monthly.xlsx`` (preamble,
``DATE`` header, one column per region, decimals); tests skip when they are absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.data.readers import read_dataset
from analytics.errors import InputError
from tests.real.test_kenfrench_files import _as_decimals_on_dates, hand_table, run_regress

Q5 = "q5_factors_monthly_2022.csv"
BAB = "Betting Against Beta Equity Factors Monthly.xlsx"
Q_NAMES = {"R_F": "RF", "R_MKT": "Mkt-RF", "R_ME": "R_ME", "R_IA": "R_IA", "R_ROE": "R_ROE", "R_EG": "R_EG"}


@pytest.fixture(scope="module")
def real(shared_data: Path) -> Path:
    folder = shared_data / "real"
    if not (folder / "qfactors" / Q5).exists() or not (folder / "aqr" / BAB).exists():
        pytest.skip(f"real q-factor and AQR files not found under {folder}")
    return folder


def hand_q5(path: Path) -> pd.DataFrame:
    """The q-factor file by hand: year and month to the month-end, percent to decimals, our names."""
    rows = list(csv.DictReader(path.read_text().splitlines()))
    index = pd.DatetimeIndex([pd.Timestamp(int(r["year"]), int(r["month"]), 1) + pd.offsets.MonthEnd(0) for r in rows])
    return pd.DataFrame({Q_NAMES[k]: [float(r[k]) / 100 for r in rows] for k in Q_NAMES}, index=index)


def hand_aqr(path: Path, region: str = "USA") -> pd.Series:
    """The first sheet by hand: the row whose first cell is DATE, then MM/DD/YYYY rows until an empty one."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    for row in rows:
        if row[0] == "DATE":
            column = list(row).index(region)
            break
    dates, values = [], []
    for row in rows:
        if row[0] is None:
            break
        dates.append(pd.to_datetime(row[0], format="%m/%d/%Y"))
        values.append(np.nan if row[column] is None else float(row[column]))
    book.close()
    return pd.Series(values, index=pd.DatetimeIndex(dates), name="BAB")


def test_q5_file_as_published(real: Path) -> None:
    """Every month of the q5 file, percent to decimals; R_F is RF and R_MKT is Mkt-RF (an excess return)."""
    dataset = read_dataset(real / "qfactors" / Q5)
    data = dataset.data
    expected = hand_q5(real / "qfactors" / Q5)
    assert dataset.reader == "qfactors" and data.freq == "monthly" and data.assets.shape[1] == 0
    assert len(expected) == 672 and expected.index[0] == pd.Timestamp("1967-01-31")
    assert expected.loc["1967-01-31", "Mkt-RF"] == pytest.approx(0.081852, rel=1e-12)  # "8.1852" in the file
    pd.testing.assert_frame_equal(
        data.factors[list(expected.columns)], expected, check_names=False, check_freq=False, rtol=1e-12
    )
    assert data.factor_names == ("Mkt-RF", "R_ME", "R_IA", "R_ROE", "R_EG")


def test_q_factor_daily_and_weekly_layouts(tmp_path: Path) -> None:
    """The daily file's DATE (YYYYMMDD) and the weekly file's date columns read the same way."""
    dates = pd.bdate_range("2022-01-03", periods=30)
    values = np.round(np.random.default_rng(1).normal(0, 1, (30, 6)), 4)
    for column, freq, index in (
        ("DATE", "daily", dates),
        ("date", "weekly", pd.date_range("2022-01-07", periods=30, freq="W-FRI")),
    ):
        path = tmp_path / f"q5_{freq}.csv"
        frame = pd.DataFrame(values, columns=list(Q_NAMES))
        frame.insert(0, column, index.strftime("%Y%m%d"))
        frame.to_csv(path, index=False)
        data = read_dataset(path).data
        assert data.freq == freq
        np.testing.assert_allclose(data.factors["R_ROE"].to_numpy(), values[:, 4] / 100, rtol=1e-12)


def test_aqr_workbook_as_published(real: Path) -> None:
    """BAB for USA (the default region) and for Europe, from the first sheet only, decimals as published."""
    path = real / "aqr" / BAB
    for region, first in (("USA", "1930-12-31"), ("Europe", "1989-02-28")):
        options = {} if region == "USA" else {"region": region}
        dataset = read_dataset(path, **options)
        expected = hand_aqr(path, region)
        assert dataset.reader == "aqr-workbook" and dataset.data.freq == "monthly"
        assert list(dataset.data.factors.columns) == ["BAB"] and dataset.data.assets.shape[1] == 0
        pd.testing.assert_series_equal(
            dataset.data.factors["BAB"], expected, check_names=False, check_freq=False, rtol=1e-12
        )
        assert dataset.data.factors["BAB"].first_valid_index() == pd.Timestamp(first)
    # Two cells copied by hand from the workbook (USA column): the first and the last month.
    usa = read_dataset(path).data.factors["BAB"]
    assert usa.iloc[0] == pytest.approx(-0.000557986425086, rel=1e-12)
    assert usa.loc["2024-02-29"] == pytest.approx(-0.013660451247140045, rel=1e-12)


def test_unknown_region_lists_the_regions(real: Path) -> None:
    with pytest.raises(InputError, match=r"no region 'Mars' on sheet 'BAB Factors'; regions are AUS, AUT, .*, USA"):
        read_dataset(real / "aqr" / BAB, region="Mars")


def _funds(shared_data: Path) -> pd.DataFrame:
    raw = pd.read_csv(shared_data / "brk_arkk_ff6_monthly.csv")
    return raw.set_index(pd.to_datetime(raw["date"]) + pd.offsets.MonthEnd(0))[["BRK", "ARKK"]]


def _fits(funds: pd.DataFrame, factors: pd.DataFrame, names: list[str]) -> dict[str, object]:
    fits = {}
    for fund in funds.columns:
        frame = factors[[*names, "RF"]].join(funds[fund], how="inner").dropna()
        fits[fund] = sm.OLS(frame[fund] - frame["RF"], sm.add_constant(frame[names])).fit()
    return fits


def _assert_equal(out: Path, fits: dict[str, object]) -> None:
    table = pd.read_csv(out).set_index("fund")
    for fund, fit in fits.items():
        assert table.loc[fund, "n_obs"] == fit.nobs
        np.testing.assert_allclose(table.loc[fund, "alpha"], fit.params["const"] * 12, rtol=1e-8)
        for name in fit.params.index.drop("const"):
            np.testing.assert_allclose(
                table.loc[fund, [name, f"t_{name}"]].to_numpy(dtype=float),
                [fit.params[name], fit.tvalues[name]],
                rtol=1e-8,
            )
        np.testing.assert_allclose(table.loc[fund, "r2"], fit.rsquared, rtol=1e-8)


def test_q5_model_on_the_published_file_equals_statsmodels(real: Path, shared_data: Path, tmp_path: Path) -> None:
    """``regress FUNDS --factors q5_factors_monthly_2022.csv --model q5``."""
    out = tmp_path / "q5.csv"
    proc = run_regress(
        shared_data / "brk_arkk_ff6_monthly.csv", "--factors", real / "qfactors" / Q5, "--model", "q5", "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    _assert_equal(
        out, _fits(_funds(shared_data), hand_q5(real / "qfactors" / Q5), ["Mkt-RF", "R_ME", "R_IA", "R_ROE", "R_EG"])
    )


def test_ken_french_plus_aqr_bab_equals_statsmodels(real: Path, shared_data: Path, tmp_path: Path) -> None:
    """``--factors <KF FF3 CSV> --factors "<AQR BAB workbook>" --model Mkt-RF,SMB,HML,BAB``, joined on date."""
    out = tmp_path / "bab.csv"
    ff3_path = real / "kenfrench" / "F-F_Research_Data_Factors.CSV"
    proc = run_regress(
        shared_data / "brk_arkk_ff6_monthly.csv",
        "--factors",
        ff3_path,
        "--factors",
        real / "aqr" / BAB,
        "--model",
        "Mkt-RF,SMB,HML,BAB",
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    factors = _as_decimals_on_dates(hand_table(ff3_path.read_text())).join(hand_aqr(real / "aqr" / BAB), how="inner")
    _assert_equal(out, _fits(_funds(shared_data), factors, ["Mkt-RF", "SMB", "HML", "BAB"]))
    assert "BAB for region USA" in proc.stderr


def test_two_sources_of_one_factor_that_disagree(real: Path, shared_data: Path) -> None:
    """q5's R_MKT is not the library's Mkt-RF: one line naming both files and the factor, exit 2."""
    proc = run_regress(
        shared_data / "brk_arkk_ff6_monthly.csv",
        "--factors",
        real / "qfactors" / Q5,
        "--factors",
        real / "kenfrench" / "F-F_Research_Data_Factors.CSV",
    )
    errors = [line for line in proc.stderr.splitlines() if not line.startswith("note:")]
    assert proc.returncode == 2 and len(errors) == 1
    assert errors[0].startswith(
        "error: --factors: the risk-free rate 'RF' differs between q5_factors_monthly_2022.csv"
    ) or errors[0].startswith("error: --factors: factor 'Mkt-RF' differs between q5_factors_monthly_2022.csv")
    assert "F-F_Research_Data_Factors.CSV" in errors[0] and "beyond rounding" in errors[0]


def _custom_file(path: Path, columns: list[str], n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    dates = pd.date_range("2015-01-31", periods=n, freq="ME")
    frame = pd.DataFrame(np.round(rng.normal(0.004, 0.03, (n, len(columns))), 6), columns=columns)
    frame["RF"] = 0.001
    frame["FUND"] = np.round(
        0.001 + 0.002 + frame[columns].to_numpy() @ np.linspace(0.9, 0.2, len(columns)) + rng.normal(0, 0.01, n), 6
    )
    frame.insert(0, "date", dates.strftime("%Y-%m-%d"))
    frame.to_csv(path, index=False)
    return frame.set_index(pd.DatetimeIndex(dates))


@pytest.mark.parametrize(
    "columns, model", [(["Mkt-RF", "HML", "BAB"], "Mkt-RF,HML,BAB"), (["Mkt-RF", "QMJ", "LIQ"], "Mkt-RF,QMJ,LIQ")]
)
def test_custom_model_over_the_files_columns(tmp_path: Path, columns: list[str], model: str) -> None:
    """``regress FILE --model COL,COL,...``: AQR's columns are factors (never funds); a column the
    vocabulary does not know (LIQ) is a factor because the model names it."""
    frame = _custom_file(tmp_path / "custom.csv", columns)
    out = tmp_path / "out.csv"
    proc = run_regress(tmp_path / "custom.csv", "--model", model, "--out", out)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert table["fund"].tolist() == ["FUND"]
    fit = sm.OLS(frame["FUND"] - frame["RF"], sm.add_constant(frame[columns])).fit()
    _assert_equal(out, {"FUND": fit})


def test_custom_model_naming_an_absent_column(tmp_path: Path) -> None:
    _custom_file(tmp_path / "custom.csv", ["Mkt-RF", "HML"])
    proc = run_regress(tmp_path / "custom.csv", "--model", "Mkt-RF,HML,BAB")
    assert proc.returncode == 2
    assert "--model: custom.csv: factor column 'BAB' needed by the model Mkt-RF,HML,BAB is missing" in proc.stderr


def test_q_factor_columns_in_a_plain_file_are_factors(tmp_path: Path) -> None:
    """R_ME, R_IA, R_ROE, R_EG beside funds are factors, and q5 is the largest model available."""
    columns = ["Mkt-RF", "R_ME", "R_IA", "R_ROE", "R_EG"]
    _custom_file(tmp_path / "q.csv", columns)
    data = read_dataset(tmp_path / "q.csv", "returns").data
    assert list(data.assets.columns) == ["FUND"] and data.factor_names == tuple(columns)
    proc = run_regress(tmp_path / "q.csv")
    assert proc.returncode == 0 and "model q5 (Hou-Xue-Zhang q5) chosen" in proc.stderr


def _source(name: str, values: list[float], column: str = "RF") -> object:
    from analytics.data.returns import ReturnsData

    index = pd.date_range("2020-01-31", periods=len(values), freq="ME")
    return ReturnsData(pd.DataFrame(index=index), pd.DataFrame({column: values}, index=index), "monthly", name)


def test_sources_agree_within_rounding_and_join_on_all_dates() -> None:
    """Files round differently: values within 5e-5 (half the library's 0.01%) are one factor; beyond, an
    error naming both sources, the factor, the date and both values."""
    from analytics.data.factor_join import join_factors

    a = _source("a.csv", [0.0010, 0.0012, 0.0011])
    b = _source("b.csv", [0.00104, 0.00116, 0.0011, 0.0013])
    joined = join_factors([a, b])
    assert joined.factors["RF"].tolist() == [0.0010, 0.0012, 0.0011, 0.0013] and joined.source == "a.csv + b.csv"
    assert any(
        "RF is in both a.csv and b.csv: they agree on 3 dates (largest difference 4e-05)" in n for n in joined.notes
    )
    c = _source("c.csv", [0.0010, 0.00126, 0.0011])
    with pytest.raises(
        InputError,
        match=r"the risk-free rate 'RF' differs between a.csv \(0.1200%\) and c.csv "
        r"\(0.1260%\) on 2020-02-29, beyond rounding",
    ):
        join_factors([a, c])
    bab = _source("bab.xlsx", [0.01, 0.02], column="BAB")
    assert list(join_factors([a, bab]).factors.columns) == ["RF", "BAB"]
