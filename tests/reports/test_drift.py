"""Style drift on the demo's rotation fund (tech -> retail at 2017-12-29), checked by hand and statsmodels."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import jobs
from analytics.data.demo import ROTATION_DATE
from analytics.exposures.model import exposures_job
from analytics.reports.drift import style_drift
from analytics.reports.profile import drift_sentences
from tests.reports.helpers import FF6, printed

ROTATION = pd.Timestamp(ROTATION_DATE)


def _stock_betas(demo) -> pd.DataFrame:
    """Full-sample FF6 betas of every demo stock by statsmodels, on its own excess returns."""
    excess = demo.stocks.sub(demo.factors["RF"], axis=0)
    out = {}
    for stock in excess.columns:
        y = excess[stock].dropna()
        out[stock] = sm.OLS(y, sm.add_constant(demo.factors.loc[y.index, FF6])).fit().params[FF6]
    return pd.DataFrame(out).T


def test_shifts_fall_on_the_rotation_date(demo_exposures) -> None:
    """With full-sample betas the only holdings date whose exposures move by more than 0.25 is
    the rotation; tech's heavy investment (CMA) flips to retail's conservative one."""
    drift = style_drift(demo_exposures, threshold=0.25)
    assert drift.shift_dates == [ROTATION]
    assert set(drift.shifts["holdings_date"]) == {ROTATION}
    cma = drift.shifts.set_index("factor").loc["CMA"]
    assert cma["before"] < -1 and cma["after"] > 0
    assert (drift.shifts["effective_date"] > ROTATION).all()


def test_shifts_with_rolling_betas_fall_on_the_rotation_date(demo) -> None:
    """Rolling (one-year) stock betas move every day, yet only the rotation crosses the threshold."""
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    exposures = jobs.run(
        exposures_job(holdings, demo.stocks, demo.factors, freq="daily", model="ff6", method="rolling", window=252)
    )
    assert style_drift(exposures, threshold=0.25).shift_dates == [ROTATION]


def test_shift_sizes_equal_a_hand_computation(demo, demo_exposures) -> None:
    """Before and after are Σ weight × statsmodels beta over the holdings dated before and at the rotation."""
    betas = _stock_betas(demo)
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    dates = sorted(holdings["date"].unique())
    previous = dates[dates.index(ROTATION) - 1]

    def exposure(when: pd.Timestamp) -> pd.Series:
        held = holdings[holdings["date"] == when].set_index("id")["weight"]
        return betas.loc[held.index].mul(held, axis=0).sum()

    before, after = exposure(previous), exposure(ROTATION)
    shifts = style_drift(demo_exposures, threshold=0.25).shifts.set_index("factor")
    for factor, row in shifts.iterrows():
        assert row["before"] == pytest.approx(before[factor], rel=1e-8)
        assert row["after"] == pytest.approx(after[factor], rel=1e-8)
    hand = (after - before).abs()
    assert set(shifts.index) == set(hand[hand > 0.25].index)


def test_threshold_is_the_users(demo_exposures) -> None:
    """A large threshold flags nothing; a tiny one flags quarterly reweighting too; zero is refused."""
    assert style_drift(demo_exposures, threshold=5.0).shifts.empty
    assert len(style_drift(demo_exposures, threshold=0.01).shift_dates) > 10
    with pytest.raises(ValueError, match="positive"):
        style_drift(demo_exposures, threshold=0.0)


def test_disagreement_intervals_are_statsmodels(demo, demo_exposures) -> None:
    """Each window's top-down interval is statsmodels' 95% interval of the fund's return on the
    factors in that window; 'disagree' is bottom-up's average falling outside it."""
    drift = style_drift(demo_exposures)
    fund = demo_exposures.fund_returns
    windows = demo_exposures.windows
    for i in (0, len(windows) // 2, len(windows) - 1):
        start, end = windows.loc[i, "window_start"], windows.loc[i, "window_end"]
        y = fund.loc[start:end]
        fit = sm.OLS(y, sm.add_constant(demo.factors.loc[y.index, FF6])).fit()
        ci = fit.conf_int()
        rows = drift.windows[drift.windows["window_start"] == start].set_index("factor")
        for factor in FF6:
            np.testing.assert_allclose(
                rows.loc[factor, ["top_down", "lower", "upper"]].astype(float),
                [fit.params[factor], *ci.loc[factor]],
                rtol=1e-7,
            )
            average = demo_exposures.exposures.loc[start:end, factor].mean()
            assert rows.loc[factor, "bottom_up"] == pytest.approx(average, rel=1e-10)
            assert rows.loc[factor, "disagree"] == (not ci.loc[factor, 0] <= average <= ci.loc[factor, 1])
    assert len(drift.windows) == len(windows) * len(FF6)
    assert len(drift.full_sample) == len(FF6)


def test_full_sample_interval_is_statsmodels(demo, demo_exposures) -> None:
    """The full-sample check: bottom-up's average over every date against statsmodels' 95% interval
    of the fund's return on the factors over the same dates."""
    full = style_drift(demo_exposures).full_sample.set_index("factor")
    y = demo_exposures.fund_returns.dropna()
    fit = sm.OLS(y, sm.add_constant(demo.factors.loc[y.index, FF6])).fit()
    ci = fit.conf_int()
    for factor in FF6:
        np.testing.assert_allclose(
            full.loc[factor, ["top_down", "lower", "upper"]].astype(float),
            [fit.params[factor], *ci.loc[factor]],
            rtol=1e-7,
        )
        assert full.loc[factor, "n_obs"] == len(y)


def test_holdings_sentences_quote_the_drift_tables(demo, demo_exposures) -> None:
    """The profile's holdings sentences name the rotation date and quote the shift and the counts."""
    drift = style_drift(demo_exposures)
    shift, full, windows = (s.text for s in drift_sentences(drift))
    assert f"on 1 date(s): {ROTATION.date()}" in shift
    quoted = re.findall(r"(\w[\w-]*) ([-\u2212]?\d+\.\d+) to ([-\u2212]?\d+\.\d+)", shift)
    table = drift.shifts.set_index("factor")
    assert len(quoted) == 3
    for factor, before, after in quoted:
        assert printed(table.loc[factor, "before"], before) and printed(table.loc[factor, "after"], after)
    agree = int((~drift.full_sample["disagree"]).sum())
    assert f"for {agree} of 6 factors" in full
    outside, total = re.search(r"in (\d+) of (\d+) window-factor", windows).groups()
    assert int(outside) == int(drift.windows["disagree"].sum()) and int(total) == len(drift.windows)
