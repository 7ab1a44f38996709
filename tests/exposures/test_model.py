"""Bottom-up exposures and top-down regressions, checked against statsmodels on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.regression.rolling import RollingOLS

from analytics import jobs
from analytics.data.demo import make_demo
from analytics.data.readers import load_returns
from analytics.exposures.model import ExposureModel, exposures_job

TECH = ["14593", "90319", "10107", "86580", "84788"]  # AAPL GOOG MSFT NVDA AMZN
RETAIL = ["87055", "55976", "49154", "16678"]  # COST WMT TGT KR
FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]


@pytest.fixture(scope="module")
def crsp(shared_data):
    """CRSP monthly stock returns and the FF6 factors of the course file, 2019-2020."""
    stocks = load_returns(shared_data / "crsp_monthly_2019_2020.csv").assets
    factors = load_returns(shared_data / "brk_arkk_ff6_monthly.csv").factors.loc["2019":"2020"]
    return stocks, factors


def rotation() -> pd.DataFrame:
    """The chapter's rotation: equal-weight tech, then equal-weight retail a year later."""
    rows = [("2018-12-31", p, 0.2) for p in TECH] + [("2019-12-31", p, 0.25) for p in RETAIL]
    frame = pd.DataFrame(rows, columns=["date", "id", "weight"])
    return frame.assign(date=pd.to_datetime(frame["date"]))


def _ols(y: pd.Series, x: pd.DataFrame):
    y = y.dropna()
    return sm.OLS(y, sm.add_constant(x.loc[y.index])).fit()


def test_rotation_on_crsp_matches_statsmodels(crsp) -> None:
    """Full-sample stock betas, weighted by the holdings in force, equal statsmodels' per-stock OLS;
    the top-down full and per-window regressions equal statsmodels on the implied fund return."""
    stocks, factors = crsp
    res = ExposureModel(rotation(), stocks, factors, freq="monthly", model="ff6").fit()
    dates = factors.index.intersection(stocks.index)
    excess = stocks.loc[dates, TECH + RETAIL].sub(factors.loc[dates, "RF"], axis=0)
    betas = pd.DataFrame({p: _ols(excess[p], factors.loc[dates, FF6]).params[FF6] for p in TECH + RETAIL}).T
    tech, retail = betas.loc[TECH].mean(), betas.loc[RETAIL].mean()
    np.testing.assert_allclose(res.exposures.loc["2019-07-31", FF6], tech, rtol=1e-8)
    np.testing.assert_allclose(res.exposures.loc["2020-07-31", FF6], retail, rtol=1e-8)
    assert (res.exposures["coverage"] == 1.0).all()
    assert res.exposures.index[0] == dates[0] and res.exposures.loc[:"2019-12-31", "CMA"].nunique() == 1
    fund = excess[TECH].mean(axis=1).where(dates <= "2019-12-31").fillna(excess[RETAIL].mean(axis=1))
    np.testing.assert_allclose(res.fund_returns, fund, rtol=1e-12)
    full = _ols(fund, factors.loc[dates, FF6])
    second = _ols(fund.loc["2020"], factors.loc[dates, FF6])
    td = res.topdown.set_index("window_start")
    np.testing.assert_allclose(res.topdown.loc[0, ["const", *FF6]].to_numpy(dtype=float), full.params, rtol=1e-8)
    np.testing.assert_allclose(res.topdown.loc[2, ["const", *FF6]].to_numpy(dtype=float), second.params, rtol=1e-8)
    assert res.topdown.loc[0, "r2"] == pytest.approx(full.rsquared, rel=1e-8)
    assert td.index[2] == pd.Timestamp("2020-01-31") and res.topdown["n_obs"].tolist()[0] == len(dates)
    # the chapter's point: retail stocks load positively on CMA, tech stocks negatively
    assert tech["CMA"] < retail["CMA"]


def test_split_betas_match_statsmodels_within_each_window(crsp) -> None:
    """Split betas are per-stock OLS on the returns of each holdings window only."""
    stocks, factors = crsp
    res = ExposureModel(rotation(), stocks, factors, freq="monthly", model="capm").fit(method="split")
    dates = factors.index.intersection(stocks.index)
    excess = stocks.loc[dates].sub(factors.loc[dates, "RF"], axis=0)
    b2020 = np.mean([_ols(excess.loc["2020", p], factors.loc[dates, ["Mkt-RF"]]).params["Mkt-RF"] for p in RETAIL])
    assert res.exposures.loc["2020-12-31", "Mkt-RF"] == pytest.approx(b2020, rel=1e-8)


def test_no_look_ahead() -> None:
    """Holdings never apply on or before their date: changing a later holding leaves every earlier
    exposure unchanged, and a holdings date equal to a return date applies from the next one."""
    demo = make_demo()
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    base = ExposureModel(holdings, demo.stocks, demo.factors, freq="daily").fit()
    cut = pd.Timestamp("2017-12-29")  # a holdings date that is also a return date
    changed = holdings.copy()
    changed.loc[changed["date"] == cut, "weight"] *= 2
    other = ExposureModel(changed, demo.stocks, demo.factors, freq="daily").fit()
    before = base.exposures.index <= cut
    pd.testing.assert_frame_equal(base.exposures[before], other.exposures[before])
    after = base.exposures.index[~before][0]
    assert after > cut and not np.allclose(base.exposures.loc[after, FF6], other.exposures.loc[after, FF6])
    assert base.exposures.index[0] > holdings["date"].min()


def test_missing_returns_lower_coverage(crsp) -> None:
    """A held stock with too few returns has no beta: its weight drops out of the coverage;
    ids with no returns at all are a note, not an error."""
    stocks, factors = crsp
    stocks = stocks.copy()
    stocks.loc[:"2019-10-31", "14593"] = np.nan  # AAPL: only a few months left
    holdings = pd.concat(
        [rotation(), pd.DataFrame({"date": [pd.Timestamp("2018-12-31")], "id": ["NOPE"], "weight": [0.0]})]
    )
    res = ExposureModel(holdings, stocks, factors, freq="monthly", model="ff3").fit(min_obs=12)
    assert res.exposures.loc["2019-07-31", "coverage"] == pytest.approx(0.8)
    assert res.exposures.loc["2020-07-31", "coverage"] == pytest.approx(1.0)
    assert any("NOPE" in n for n in res.notes) and any("14593" in n for n in res.notes)


def test_rolling_betas_are_ex_ante_rolling_ols() -> None:
    """Rolling exposures use each stock's RollingOLS betas estimated through the previous period."""
    demo = make_demo()
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    res = ExposureModel(holdings, demo.stocks, demo.factors, freq="daily").fit(method="rolling", window=126)
    day = pd.Timestamp("2019-06-03")
    table = res.contributions(day)
    excess = demo.stocks.sub(demo.factors["RF"], axis=0)
    x = sm.add_constant(demo.factors[FF6])
    prev = demo.factors.index.get_loc(day) - 1
    for stock in table["id"][:3]:
        fit = RollingOLS(excess[stock], x, window=126, min_nobs=63, missing="drop").fit(params_only=True)
        expected = fit.params.iloc[prev][FF6].to_numpy()
        got = table.set_index("id").loc[stock, [f"beta_{f}" for f in FF6]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, expected, rtol=1e-8)
    np.testing.assert_allclose(table.filter(like="contrib_").sum().to_numpy(), res.exposures.loc[day, FF6], rtol=1e-12)


def test_demo_rotation_and_active_view() -> None:
    """The demo fund's CMA exposure flips with the tech-to-retail rotation; the active view is
    fund minus benchmark, and the job reports progress."""
    demo = make_demo()
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    bench = holdings[holdings["id"].isin(["AAPX", "COSX"])]
    steps = []
    res = jobs.run(exposures_job(holdings, demo.stocks, demo.factors, freq="daily", benchmark=bench), steps.append)
    assert res.exposures.loc[:"2017-12-29", "CMA"].max() < -0.8 < 0 < res.exposures.loc["2018-01-03":, "CMA"].min()
    day = pd.Timestamp("2019-01-02")
    assert res.active.loc[day, "CMA"] == pytest.approx(
        res.exposures.loc[day, "CMA"] - res.benchmark_exposures.loc[day, "CMA"]
    )
    assert steps[-1].fraction == 1.0 and {"exposures", "topdown", "active"} <= set(res.tables())


def test_given_fund_returns_drive_the_top_down_regression() -> None:
    """With the fund's own returns, top-down regresses them (excess of RF) over the holdings dates."""
    demo = make_demo()
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    fund = demo.funds["Innovation Growth Fund"]
    res = ExposureModel(holdings, demo.stocks, demo.factors, freq="daily", fund_returns=fund).fit()
    excess = (fund - demo.factors["RF"]).loc[res.exposures.index]
    expected = _ols(excess, demo.factors[FF6])
    np.testing.assert_allclose(res.topdown.loc[0, ["const", *FF6]].to_numpy(dtype=float), expected.params, rtol=1e-8)
    assert not any("holdings-implied" in n for n in res.notes)
