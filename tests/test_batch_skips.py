"""One bad series never stops a batch (issue 11): funds and stocks that cannot be fitted keep
their row with the reason; the others are fitted as statsmodels fits them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import jobs
from analytics.exposures.model import ExposureModel
from analytics.regression.covariance import make_estimator
from analytics.regression.ols import fit_many
from analytics.regression.report import fund_report_job
from tests.cli_process import run_main

FF3 = ["Mkt-RF", "SMB", "HML"]


def _own_crsp(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CRSP extract as months × permnos and the percent FF3 file as decimal factors with
    Mkt-RF = MKT - RF, both indexed by calendar month: read here with pandas alone."""
    crsp = pd.read_csv(shared_data / "crsp_monthly_2019_2020.csv")
    crsp["month"] = pd.to_datetime(crsp["date"]).dt.to_period("M")
    wide = crsp.pivot_table(index="month", columns="permno", values="ret", aggfunc="first")
    ff = pd.read_csv(shared_data / "ff3_monthly_1926_2021_percent.csv")
    ff.index = pd.to_datetime(ff["Date"], format="%m/%d/%Y").dt.to_period("M")
    factors = ff[["RF", "MKT", "SMB", "HML"]] / 100
    factors["Mkt-RF"] = factors["MKT"] - factors["RF"]
    return wide, factors


def test_crsp_extract_fits_every_permno_with_enough_months(shared_data: Path, tmp_path: Path) -> None:
    """``regress`` on 4,000+ CRSP permnos as funds exits 0; every permno with 5+ months (FF3 has
    4 parameters) has numbers and an empty note, every other its count in the note; a permno's
    numbers equal statsmodels'."""
    out = tmp_path / "crsp.csv"
    proc = run_main(
        "regress",
        shared_data / "crsp_monthly_2019_2020.csv",
        "--factors",
        shared_data / "ff3_monthly_1926_2021_percent.csv",
        "--model",
        "ff3",
        "--out",
        out,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out, keep_default_na=False, na_values=[""]).set_index("fund")
    wide, factors = _own_crsp(shared_data)
    months = wide.notna().sum()
    months = months[months > 0]  # permnos with no return at all are left out by the loader, with a note
    assert sorted(table.index) == sorted(months.index)
    enough = months.index[months >= 5]
    fitted = table["note"].isna()
    assert set(table.index[fitted]) == set(enough) and len(enough) > 3500
    short = table.loc[~fitted]
    assert short[["alpha", "t_Mkt-RF", "r2"]].isna().all().all()
    for permno, row in short.iterrows():
        n = months[permno]
        assert row["note"].startswith(f"{n} observation{'s' if n != 1 else ''} for 4 parameters"), row["note"]
    permno = enough[0]
    y = (wide[permno] - factors["RF"]).dropna()
    fit = sm.OLS(y, sm.add_constant(factors.loc[y.index, FF3])).fit()
    assert table.loc[permno, "t_HML"] == pytest.approx(fit.tvalues["HML"], rel=1e-8)
    assert table.loc[permno, "alpha"] == pytest.approx(fit.params["const"] * 12, rel=1e-8)
    assert f"{len(short)} of {len(table)} funds not fitted" in proc.stderr


def test_fit_many_skips_each_kind_of_bad_series() -> None:
    """Too few, constant, all-missing and off-sample series get their reason and NaN; the
    good series between them equal statsmodels."""
    rng = np.random.default_rng(4)
    f = rng.normal(0, 0.03, (60, 2))
    good = f @ [0.9, 0.2] + rng.normal(0, 0.01, 60)
    few = np.where(np.arange(60) < 3, good, np.nan)
    y = np.column_stack([good, few, np.full(60, 0.004), np.full(60, np.nan), good[::-1]])
    f[40:, 1] = np.nan  # rows without every factor are left out for all
    raw = jobs.run(fit_many(y, f, make_estimator(), names=["Mkt-RF", "SMB"], series=list("ABCDE"), min_obs=4))
    assert raw.reasons[0] == raw.reasons[4] == ""
    assert raw.reasons[1].startswith("3 observations for 3 parameters; need at least 4")
    assert raw.reasons[2] == "its excess returns do not vary; leave it out."
    assert raw.reasons[3] == "no observations on dates where every factor exists."
    assert np.isnan(raw.params[1:4]).all()
    for j in (0, 4):
        fit = sm.OLS(y[:40, j], sm.add_constant(f[:40])).fit()
        np.testing.assert_allclose(raw.params[j], fit.params, rtol=1e-10)
        np.testing.assert_allclose(np.sqrt(np.diag(raw.cov[j])), fit.bse, rtol=1e-10)


def test_exposures_constant_stock_lowers_coverage_instead_of_failing() -> None:
    """A held stock whose excess return never varies has no beta (fit_many skips it) and lowers
    the coverage; the other stock's beta is statsmodels'."""
    rng = np.random.default_rng(8)
    dates = pd.date_range("2015-01-31", periods=48, freq="ME")
    factors = pd.DataFrame(rng.normal(0.005, 0.04, (48, 1)), index=dates, columns=["Mkt-RF"]).assign(RF=0.001)
    stocks = pd.DataFrame({"A": 0.001 + 1.2 * factors["Mkt-RF"] + rng.normal(0, 0.02, 48), "CASH": 0.001}, index=dates)
    holdings = pd.DataFrame({"date": pd.Timestamp("2014-12-31"), "id": ["A", "CASH"], "weight": [0.6, 0.4]})
    res = ExposureModel(holdings, stocks, factors, freq="monthly", model="capm").fit()
    fit = sm.OLS(stocks["A"] - 0.001, sm.add_constant(factors[["Mkt-RF"]])).fit()
    assert res.exposures["Mkt-RF"].iloc[-1] == pytest.approx(0.6 * fit.params["Mkt-RF"], rel=1e-8)
    assert res.exposures["coverage"].iloc[-1] == pytest.approx(0.6)


def test_fund_report_on_a_sample_shorter_than_the_rolling_window() -> None:
    """Two years of months (the default rolling window is 36): the regressions are reported,
    the rolling loadings are empty with a note saying why, not an error for the whole report."""
    rng = np.random.default_rng(9)
    dates = pd.date_range("2019-01-31", periods=24, freq="ME")
    factors = pd.DataFrame(rng.normal(0.005, 0.04, (24, 1)), index=dates, columns=["Mkt-RF"]).assign(RF=0.001)
    funds = pd.DataFrame({"A": 0.001 + factors["Mkt-RF"] + rng.normal(0, 0.02, 24)}, index=dates)
    report = jobs.run(fund_report_job(funds, factors, freq="monthly", model="capm"))
    fit = sm.OLS(funds["A"] - 0.001, sm.add_constant(factors[["Mkt-RF"]])).fit()
    assert report.results.params.loc["A", "Mkt-RF"] == pytest.approx(fit.params["Mkt-RF"], rel=1e-8)
    assert report.rolling.isna().all().all()
    why = "no rolling loadings: the rolling window of 36 periods is longer than the 24 periods of data; choose a "
    assert report.notes == (why + "shorter window.",)
