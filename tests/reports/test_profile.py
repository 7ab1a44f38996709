"""The fund profile's sentences: every number they quote is the regression's, read back from the text.

The numbers are parsed out of the sentences with our own patterns and compared with statsmodels
fits of the same data (independent of FactorDesk's regression), or, where statsmodels has no
such statistic (the variance shares), with the result object's property.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.regression.rolling import RollingOLS

from analytics import jobs
from analytics.regression.report import fund_report_job
from analytics.reports.profile import fund_profile
from tests.reports.helpers import FF6, printed, read_number

NUM = r"([-\u2212]?[\d,]+(?:\.\d+)?%?)"


def _sm_fit(data_funds: pd.DataFrame, factors: pd.DataFrame, fund: str):
    """statsmodels OLS of the fund's excess return on FF6, over its own sample."""
    y = (data_funds[fund] - factors["RF"]).dropna()
    return sm.OLS(y, sm.add_constant(factors.loc[y.index, FF6])).fit(), y


def _one(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return match.groups()


@pytest.mark.parametrize("fund", ["Value Quality Fund", "Innovation Growth Fund", "Momentum ETF", "Small Value Fund"])
def test_demo_profile_numbers_are_statsmodels(demo, demo_report, fund) -> None:
    """R², loadings with t, alpha with t and interval, and the attribution quoted in the profile
    equal statsmodels' fit of the same fund; the words match the signs and the intervals."""
    profile = fund_profile(demo_report, fund, simulated=True)
    fit, y = _sm_fit(demo.funds, demo.factors, fund)
    ci = fit.conf_int()

    (fit_text,) = profile.about("fit")
    r2_pct, r2, share = _one(
        r"explain " + NUM + r" of the variance .*\(R² " + NUM + r"\);.* largest share, " + NUM, fit_text
    )
    assert printed(fit.rsquared, r2_pct) and printed(fit.rsquared, r2)
    risk = demo_report.results.risk_decomposition
    shares = risk[(risk["fund"] == fund) & (risk["part"] == "share")].iloc[0][FF6].astype(float)
    assert printed(shares.max(), share) and "Mkt-RF" in fit_text

    (loadings,) = profile.about("loadings")
    beta, t = _one(r"like " + NUM + r"× the market \(t " + NUM + r"\)", loadings)
    assert printed(fit.params["Mkt-RF"], beta) and printed(fit.tvalues["Mkt-RF"], t)
    quoted = {f: (b, tv) for f, b, tv in re.findall(r"\((\w+) " + NUM + r", t " + NUM + r"\)", loadings)}
    for factor in FF6[1:]:
        excludes_zero = ci.loc[factor, 0] > 0 or ci.loc[factor, 1] < 0
        assert (factor in quoted) == excludes_zero, (factor, loadings)
        if factor in quoted:
            b, tv = quoted[factor]
            assert printed(fit.params[factor], b) and printed(fit.tvalues[factor], tv)
    if "HML" in quoted:
        word = "value" if fit.params["HML"] > 0 else "growth"
        assert re.search(word + r" tilt \(HML", loadings)

    (alpha,) = profile.about("alpha")
    a, ta, lo, hi = _one(r"Alpha is " + NUM + r" a year \(t " + NUM + r"; 95% interval " + NUM + " to " + NUM, alpha)
    assert printed(fit.params["const"] * 252, a) and printed(fit.tvalues["const"], ta)
    assert printed(ci.loc["const", 0] * 252, lo) and printed(ci.loc["const", 1] * 252, hi)
    assert ("not distinguishable" in alpha) == (ci.loc["const", 0] <= 0 <= ci.loc["const", 1])

    (attribution,) = profile.about("attribution")
    (total,) = _one(r"average excess return of " + NUM + " a year", attribution)
    assert printed(y.mean() * 252, total)
    parts = dict(re.findall(r"(Mkt-RF|SMB|HML|RMW|CMA|MOM|alpha)(?: contributed)? " + NUM, attribution))
    assert set(parts) == {*FF6, "alpha"}
    means = demo.factors.loc[y.index, FF6].mean()
    for factor in FF6:
        assert printed(fit.params[factor] * means[factor] * 252, parts[factor]), factor
    assert printed(fit.params["const"] * 252, parts["alpha"])


def test_rolling_range_is_statsmodels_rolling(demo, demo_report) -> None:
    """The rolling sentence's ranges are the min and max of statsmodels' RollingOLS over full
    252-day windows, for the market and for the style factor whose range is widest."""
    fund = "Innovation Growth Fund"
    (text,) = [s for s in fund_profile(demo_report, fund).about("movement") if "rolling" in s]
    lo, hi, mover, mlo, mhi = _one(
        r"ranged from " + NUM + " to " + NUM + r" and (\w+) moved the most among the "
        r"others, from " + NUM + " to " + NUM,
        text,
    )
    y = demo.funds[fund] - demo.factors["RF"]
    rolling = RollingOLS(y, sm.add_constant(demo.factors[FF6]), window=252).fit().params.dropna()
    assert printed(rolling["Mkt-RF"].min(), lo) and printed(rolling["Mkt-RF"].max(), hi)
    widest = (rolling[FF6[1:]].max() - rolling[FF6[1:]].min()).idxmax()
    assert mover == widest
    assert printed(rolling[widest].min(), mlo) and printed(rolling[widest].max(), mhi)


def test_split_sentence_is_statsmodels_per_window(demo, demo_report) -> None:
    """The split sentence names the factor whose loading changed most at the split and quotes
    statsmodels' loadings before and after."""
    fund = "Value Quality Fund"
    (text,) = [s for s in fund_profile(demo_report, fund).about("movement") if "split" in s]
    factor, before, _, end, after = _one(
        r"Between split windows, (\w[\w-]*) changed the most: " + NUM + r" \((\S+) to (\S+)\), then " + NUM, text
    )
    y = demo.funds[fund] - demo.factors["RF"]
    fits = [
        sm.OLS(part, sm.add_constant(demo.factors.loc[part.index, FF6])).fit().params
        for part in (y.loc[:"2017-12-29"], y.loc["2017-12-30":])
    ]
    change = (fits[1][FF6] - fits[0][FF6]).abs()
    assert factor == change.idxmax() and end == "2017-12-29"
    assert printed(fits[0][factor], before) and printed(fits[1][factor], after)


def test_chapter_funds_profile(chapter) -> None:
    """ARKK: 1.54× the market with a strong growth tilt (HML −0.95, t −4.67), alpha not
    distinguishable from zero, and a short-sample caveat (59 months); BRK: a value tilt, no caveat."""
    data, report = chapter
    arkk = fund_profile(report, "ARKK")
    (loadings,) = arkk.about("loadings")
    assert (
        "ARKK behaves like 1.54× the market (t 9.93) with a strong growth tilt (HML \u22120.95, t \u22124.67)"
        in loadings
    )
    assert "not distinguishable from zero" in arkk.about("alpha")[0]
    assert any(c.startswith("Short sample: 59 monthly observations") for c in arkk.caveats)
    brk = fund_profile(report, "BRK")
    assert "strong value tilt (HML 0.57, t 4.40)" in brk.about("loadings")[0]
    assert brk.caveats == []
    fit, _ = _sm_fit(data.assets, data.factors, "BRK")
    (r2,) = _one(r"\(R² " + NUM + r"\)", brk.about("fit")[0])
    assert printed(fit.rsquared, r2)


def _one_fund(y: pd.Series, factors: pd.DataFrame) -> str:
    """The profile's caveats for one daily fund built from ``y`` (total returns)."""
    report = jobs.run(fund_report_job(y.to_frame("F"), factors, freq="daily", model="ff6"))
    return " ".join(fund_profile(report, "F").caveats)


def test_caveats_apply_only_when_they_should(demo) -> None:
    """Low R² for a fund the factors barely explain; autocorrelated returns for a fund priced a day
    late half the time (stale prices); neither for the demo's Index Tracker; simulated when said."""
    f, rf = demo.factors, demo.factors["RF"]
    rng = np.random.default_rng(7)
    noisy = rf + 0.2 * f["Mkt-RF"] + rng.normal(0, 0.02, len(f))
    assert "Low R²" in _one_fund(noisy, f) and "Autocorrelated" not in _one_fund(noisy, f)
    fresh = f["Mkt-RF"] + rng.normal(0, 0.003, len(f))
    stale = rf + 0.5 * fresh + 0.5 * fresh.shift(1).fillna(0.0)
    caveats = _one_fund(stale, f)
    rho = read_number(_one(r"lag-1 " + NUM, caveats)[0])
    assert "stale prices" in caveats and abs(rho - (stale - rf).autocorr(1)) <= 0.02
    assert _one_fund(demo.funds["Index Tracker"], f) == ""
    report = jobs.run(fund_report_job(demo.funds[["Index Tracker"]], f, freq="daily", model="ff6"))
    assert fund_profile(report, "Index Tracker", simulated=True).caveats[0].startswith("SIMULATED")
