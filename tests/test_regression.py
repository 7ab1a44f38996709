"""The vectorized factor regressions equal statsmodels' OLS, fund by fund (issue 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.stattools import durbin_watson

from analytics.errors import InputError
from analytics.regression import FactorModel, choose_model

FACTORS = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
RTOL = 1e-8


def _panel(n_obs: int = 240, n_funds: int = 12, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly funds with different spans and scattered NaNs, factors with RF."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2000-01-31", periods=n_obs, freq="ME")
    factors = pd.DataFrame(rng.normal(0.005, 0.04, (n_obs, 6)), index=dates, columns=FACTORS)
    factors["RF"] = rng.uniform(0, 0.004, n_obs)
    betas = rng.normal(0.5, 0.6, (6, n_funds))
    excess = factors[FACTORS].to_numpy() @ betas + rng.normal(0.001, 0.02, (n_obs, n_funds))
    funds = pd.DataFrame(excess + factors[["RF"]].to_numpy(), index=dates, columns=[f"F{i}" for i in range(n_funds)])
    for i, fund in enumerate(funds.columns):
        funds.iloc[: 10 * i, i] = np.nan  # later starts
        funds.iloc[len(funds) - 3 * (i % 4) :, i] = np.nan  # earlier ends
        holes = rng.choice(n_obs, size=i % 5, replace=False)
        funds.iloc[holes, i] = np.nan  # scattered gaps
    factors.iloc[[5, 77], 2] = np.nan  # factor gaps drop those dates for every fund
    return funds, factors


def _statsmodels_fit(funds: pd.DataFrame, factors: pd.DataFrame, fund: str, names: list[str], **fit_kw):
    y = (funds[fund] - factors["RF"]).rename(fund)
    data = pd.concat([y, factors[names]], axis=1).dropna()
    return sm.OLS(data[fund], sm.add_constant(data[names])).fit(**fit_kw), data


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _panel()


@pytest.mark.parametrize(
    "cov",
    [
        {},
        {"cov_type": "hac", "maxlags": 0},
        {"cov_type": "hac", "maxlags": 1},
        {"cov_type": "hac", "maxlags": 6},
        {"cov_type": "hac", "maxlags": 12},
    ],
)
def test_every_fund_equals_statsmodels(panel, cov) -> None:
    """params, bse, t, R², adj R² and p-values equal statsmodels (plain and HAC) to 1e-8 on every fund."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq="monthly", model="ff6").fit(**cov)
    sm_kw = {"cov_type": "HAC", "cov_kwds": {"maxlags": cov["maxlags"]}} if cov else {}
    for fund in funds.columns:
        fit, data = _statsmodels_fit(funds, factors, fund, FACTORS, **sm_kw)
        np.testing.assert_allclose(res.params.loc[fund].to_numpy(), fit.params.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.bse.loc[fund].to_numpy(), fit.bse.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.tvalues.loc[fund].to_numpy(), fit.tvalues.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.pvalues.loc[fund].to_numpy(), fit.pvalues.to_numpy(), rtol=1e-6, atol=1e-300)
        np.testing.assert_allclose(res.rsquared[fund], fit.rsquared, rtol=RTOL)
        np.testing.assert_allclose(res.rsquared_adj[fund], fit.rsquared_adj, rtol=RTOL)
        assert res.nobs[fund] == fit.nobs
        assert res.span.loc[fund, "start"] == data.index[0] and res.span.loc[fund, "end"] == data.index[-1]


def test_confidence_intervals_equal_statsmodels(panel) -> None:
    """95% intervals use Student t for classic errors, as statsmodels' conf_int."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq="monthly", model="ff3").fit()
    lower, upper = res.conf_int()
    fit, _ = _statsmodels_fit(funds, factors, "F7", FACTORS[:3])
    ci = fit.conf_int()
    np.testing.assert_allclose(lower.loc["F7"].to_numpy(), ci[0].to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(upper.loc["F7"].to_numpy(), ci[1].to_numpy(), rtol=RTOL)


def test_f_statistic_and_durbin_watson(panel) -> None:
    """The F statistic, its p-value and Durbin-Watson equal statsmodels' for each fund."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq="monthly", model="ff5").fit()
    for fund in ["F0", "F5", "F11"]:
        fit, _ = _statsmodels_fit(funds, factors, fund, FACTORS[:5])
        np.testing.assert_allclose(res.fvalue[fund], fit.fvalue, rtol=RTOL)
        np.testing.assert_allclose(res.f_pvalue[fund], fit.f_pvalue, rtol=1e-6)
        np.testing.assert_allclose(res.durbin_watson[fund], durbin_watson(fit.resid), rtol=RTOL)


@pytest.mark.parametrize(("freq", "ppy"), [("monthly", 12), ("daily", 252)])
def test_alpha_and_ivol_are_annualized_by_frequency(panel, freq, ppy) -> None:
    """alpha = const × periods per year; ivol = residual std (ddof=1) × sqrt(periods per year)."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq=freq, model="capm").fit()
    fit, _ = _statsmodels_fit(funds, factors, "F3", ["Mkt-RF"])
    assert res.alpha["F3"] == pytest.approx(fit.params["const"] * ppy, rel=RTOL)
    assert res.ivol["F3"] == pytest.approx(fit.resid.std(ddof=1) * np.sqrt(ppy), rel=RTOL)
    assert res.years["F3"] == pytest.approx(fit.nobs / ppy)


def test_periods_per_year_override_is_noted(panel) -> None:
    """--periods-per-year rescales alpha and says it differs from the data's frequency."""
    funds, factors = panel
    base = FactorModel(funds, factors, freq="monthly", model="capm").fit()
    res = FactorModel(funds, factors, freq="monthly", model="capm", periods_per_year=252).fit()
    assert res.alpha["F1"] == pytest.approx(base.alpha["F1"] * 21, rel=RTOL)
    assert any("252 periods per year" in n for n in res.notes)


def test_excess_skips_rf(panel) -> None:
    """With excess=True the returns are used as given, so RF is not subtracted."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq="monthly", model="capm", excess=True).fit()
    data = pd.concat([funds["F2"], factors["Mkt-RF"]], axis=1).dropna()
    fit = sm.OLS(data["F2"], sm.add_constant(data[["Mkt-RF"]])).fit()
    np.testing.assert_allclose(res.params.loc["F2"].to_numpy(), fit.params.to_numpy(), rtol=RTOL)


def test_start_end_restrict_the_sample(panel) -> None:
    """--start/--end keep only the dates inside the range (inclusive)."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq="monthly", model="capm", start="2005-01-31", end="2010-12-31").fit()
    assert res.span["start"].min() >= pd.Timestamp("2005-01-31")
    assert res.span["end"].max() == pd.Timestamp("2010-12-31")


def test_summary_columns_follow_the_cli_contract(panel) -> None:
    """summary: fund, alpha, t_alpha, each factor and its t, r2, adj_r2, ivol, n_obs, years, start, end,
    and last the note (empty for a fitted fund)."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq="monthly", model="ff3").fit()
    assert list(res.summary.columns) == [
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
    assert (res.summary["note"] == "").all() and res.skipped == {}
    assert set(res.tables()) >= {"summary", "coefficients", "diagnostics"}


def test_attribution_adds_up_and_risk_shares_sum_to_one(panel) -> None:
    """Attribution parts sum to the excess return each period; variance shares sum to one."""
    funds, factors = panel
    res = FactorModel(funds, factors, freq="monthly", model="ff3").fit()
    parts = res.attribution("F4")
    np.testing.assert_allclose(parts.drop(columns="total").sum(axis=1), parts["total"], rtol=1e-10)
    share = res.risk_decomposition.query("fund == 'F4' and part == 'share'")
    assert float(share[["Mkt-RF", "SMB", "HML", "residual"]].sum(axis=1).iloc[0]) == pytest.approx(1.0)


def test_auto_model_picks_largest_available() -> None:
    """Without --model the largest model whose factors are present is chosen and noted."""
    assert choose_model(None, ["Mkt-RF", "SMB", "HML", "RMW"], "f.csv")[0] == "ff3"
    assert choose_model(None, FACTORS, "f.csv")[0] == "ff6"
    name, note = choose_model(None, ["Mkt-RF"], "f.csv")
    assert name == "capm" and "f.csv" in note


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda f, x: (f, x.drop(columns="RF")), {}, "no RF column"),
        (lambda f, x: (f, x.drop(columns="SMB")), {"model": "ff3"}, "'SMB' needed by the model ff3"),
        (lambda f, x: (f, x.assign(HML=x["Mkt-RF"] - 2 * x["SMB"])), {"model": "ff3"}, "'HML' is a linear combination"),
        (lambda f, x: (f.shift(400, freq="ME"), x), {}, "none of the 12 funds.*'F0': no dates in common"),
        (lambda f, x: (f.iloc[:, :1] * np.nan, x), {}, "fund 'F0': no returns: every value is missing"),
        (lambda f, x: (f.iloc[:4, :1], x), {"model": "ff6"}, "fund 'F0': 4 observations for 7 parameters"),
        (lambda f, x: (f, x), {"start": "junk"}, "'junk' is not a date"),
        (lambda f, x: (f, x), {"start": "2090-01-01"}, "no dates between"),
        (lambda f, x: (f, x), {"periods_per_year": -12}, "positive"),
        (lambda f, x: (f.iloc[:, :0], x), {}, "no fund return columns"),
    ],
)
def test_bad_regression_inputs_raise_input_error(panel, change, kwargs, message) -> None:
    """Each bad input raises InputError with a message naming the problem."""
    funds, factors = change(*panel)
    with pytest.raises(InputError, match=message):
        FactorModel(funds, factors, freq="monthly", **kwargs).fit()


@pytest.mark.parametrize("cov", [{}, {"cov_type": "hac", "maxlags": 2}])
def test_constant_fund_is_skipped_and_the_others_fitted(panel, cov) -> None:
    """A fund whose excess returns do not vary (cash) keeps its row, with empty numbers and the
    reason as its note; every other fund is fitted as without it (plain and HAC alike)."""
    funds, factors = panel
    base = FactorModel(funds, factors, freq="monthly", model="ff3").fit(**cov)
    res = FactorModel(funds.assign(CASH=factors["RF"] + 0.002), factors, freq="monthly", model="ff3").fit(**cov)
    assert res.skipped == {"CASH": "its excess returns do not vary; leave it out."}
    row = res.summary.set_index("fund").loc["CASH"]
    assert (
        row[["alpha", "t_alpha", "Mkt-RF", "r2", "ivol"]].isna().all() and row["n_obs"] == 238
    )  # two dates lack a factor
    assert list(res.summary["fund"]) == [*funds.columns, "CASH"] and res.summary.columns[-1] == "note"
    pd.testing.assert_frame_equal(res.params, base.params)
    assert any("1 of 13 funds not fitted" in n for n in res.notes)


@pytest.mark.parametrize("cov", [{}, {"cov_type": "hac", "maxlags": 2}])
def test_exact_fit_is_fitted_with_a_note(panel, cov) -> None:
    """A fund the factors fit exactly (R² = 1) is estimated (its loadings are the exact
    combination, as statsmodels gives) and noted, not refused."""
    funds, factors = panel
    funds = funds.assign(COPY=factors["Mkt-RF"] + 0.5 * factors["SMB"] + factors["RF"])
    res = FactorModel(funds, factors, freq="monthly", model="ff3").fit(**cov)
    fit, _ = _statsmodels_fit(funds, factors, "COPY", FACTORS[:3])
    np.testing.assert_allclose(res.params.loc["COPY"].to_numpy(), fit.params.to_numpy(), rtol=1e-8, atol=1e-12)
    assert res.rsquared["COPY"] == pytest.approx(1.0, abs=1e-15)
    assert any("fund 'COPY': the factors fit its excess returns exactly (R² = 1)" in n for n in res.notes)
    assert "COPY" not in res.skipped
    assert "COPY" in set(res.diagnostics["fund"])  # its F test and Durbin-Watson are computed, not an error


def test_near_exact_fit_still_matches_statsmodels(panel) -> None:
    """R² of 0.99999 (an index tracker) is estimated, equal to statsmodels."""
    funds, factors = panel
    noise = np.random.default_rng(5).normal(0, 1e-4, len(factors))
    funds = funds.assign(TRACKER=factors["Mkt-RF"] + factors["RF"] + noise)
    res = FactorModel(funds, factors, freq="monthly", model="capm").fit()
    fit, _ = _statsmodels_fit(funds, factors, "TRACKER", ["Mkt-RF"])
    assert res.rsquared["TRACKER"] > 0.9999
    np.testing.assert_allclose(res.bse.loc["TRACKER"].to_numpy(), fit.bse.to_numpy(), rtol=1e-8)


def test_collinearity_within_one_fund_sample_skips_that_fund() -> None:
    """Factors collinear only over a fund's own dates skip that fund, naming the factor; the
    fund whose dates tell the factors apart is fitted."""
    funds, factors = _panel(n_funds=2)
    funds.iloc[:200, 1] = np.nan
    factors.iloc[200:, factors.columns.get_loc("SMB")] = 0.0
    res = FactorModel(funds, factors, freq="monthly", model="ff3").fit()
    assert res.funds == ["F0"]
    assert "factor 'SMB' is a linear combination of 'const' (perfectly collinear)" in res.skipped["F1"]


def test_no_fund_fitted_is_one_error() -> None:
    """When not one fund can be fitted the whole request fails, with the first fund's reason."""
    funds, factors = _panel(n_funds=2)
    funds.iloc[2:] = np.nan
    with pytest.raises(InputError, match=r"^none of the 2 funds could be fitted; fund 'F0': 2 observations for 2"):
        FactorModel(funds, factors, freq="monthly", model="capm").fit()


def test_fit_job_reports_progress_and_equals_statsmodels(panel) -> None:
    """fit_job yields Progress between chunks and returns statsmodels' numbers."""
    from analytics.jobs import Progress

    funds, factors = panel
    model = FactorModel(funds, factors, freq="monthly", model="ff6")
    gen = model.fit_job()
    steps = []
    try:
        while True:
            steps.append(next(gen))
    except StopIteration as stop:
        result = stop.value
    assert steps and all(isinstance(s, Progress) for s in steps) and steps[-1].fraction == 1.0
    excess = funds.sub(factors["RF"], axis=0)
    _assert_equals_statsmodels(result, excess, factors, FACTORS)


def _assert_equals_statsmodels(res, funds: pd.DataFrame, factors: pd.DataFrame, names: list[str]) -> None:
    """params, bse, t and R² of every fund equal statsmodels' (excess returns given) to 1e-8."""
    for fund in funds.columns:
        data = pd.concat([funds[fund], factors[names]], axis=1).dropna()
        fit = sm.OLS(data[fund], sm.add_constant(data[names])).fit()
        np.testing.assert_allclose(res.params.loc[fund].to_numpy(), fit.params.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.bse.loc[fund].to_numpy(), fit.bse.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.tvalues.loc[fund].to_numpy(), fit.tvalues.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.rsquared[fund], fit.rsquared, rtol=RTOL)


def test_means_twenty_times_the_scale_equal_statsmodels_with_a_note() -> None:
    """Factors and a fund around 20 with a tracking error of 0.001 (levels, not returns): the
    numbers equal statsmodels' (cross-products of raw data gave t 128 for 155), and a note
    asks whether these are prices or gross returns."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2001-01-31", periods=240, freq="ME")
    factors = pd.DataFrame(20 + rng.normal(0, 0.01, (240, 3)), index=dates, columns=FACTORS[:3])
    funds = pd.DataFrame({"LEVEL": factors["Mkt-RF"] + 0.3 * (factors["SMB"] - 20) + rng.normal(0, 0.001, 240)})
    res = FactorModel(funds, factors, freq="monthly", model="ff3", excess=True).fit()
    _assert_equals_statsmodels(res, funds, factors, FACTORS[:3])
    assert any("fund 'LEVEL': means much larger than the variation: prices or gross returns?" in n for n in res.notes)
    assert any("factor 'Mkt-RF', 'SMB', 'HML': means much larger than the variation" in n for n in res.notes)


@pytest.mark.parametrize("cov", [{}, {"cov_type": "hac", "maxlags": 5}])
def test_gross_returns_equal_statsmodels(panel, cov) -> None:
    """Gross returns (1 + r) of funds and factors: the same numbers as statsmodels to 1e-8."""
    funds, factors = panel
    gross_funds, gross_factors = 1 + funds.sub(factors["RF"], axis=0), 1 + factors[FACTORS]
    res = FactorModel(gross_funds, gross_factors, freq="monthly", model="ff6", excess=True).fit(**cov)
    sm_kw = {"cov_type": "HAC", "cov_kwds": {"maxlags": cov["maxlags"]}} if cov else {}
    for fund in funds.columns:
        data = pd.concat([gross_funds[fund], gross_factors], axis=1).dropna()
        fit = sm.OLS(data[fund], sm.add_constant(data[FACTORS])).fit(**sm_kw)
        np.testing.assert_allclose(res.params.loc[fund].to_numpy(), fit.params.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.bse.loc[fund].to_numpy(), fit.bse.to_numpy(), rtol=RTOL)
        np.testing.assert_allclose(res.rsquared[fund], fit.rsquared, rtol=RTOL)


@pytest.mark.parametrize(
    "change",
    [
        lambda f, x: (f, x.assign(**{n: x[n] + 100 for n in FACTORS})),  # factors fed as levels
        lambda f, x: (f + 5000, x),  # a fund far from zero
        lambda f, x: (f, x.assign(SMB=x["SMB"] * 1e6)),
    ],  # a factor in other units
    ids=["factors+100", "fund+5000", "factor*1e6"],
)
def test_scale_and_means_are_not_collinearity(panel, change) -> None:
    """What cross-products of raw data refused as 'perfectly collinear' or an exact fit is
    estimated, equal to statsmodels."""
    funds, factors = change(*panel)
    excess = funds.sub(factors["RF"], axis=0)
    res = FactorModel(excess, factors, freq="monthly", model="ff6", excess=True).fit()
    assert res.skipped == {}
    _assert_equals_statsmodels(res, excess, factors, FACTORS)


def test_nearly_collinear_factor_is_noted_with_its_r2(panel) -> None:
    """A factor that the others explain to R² 0.9999 is estimated (as statsmodels) with a note
    giving that R²; one explained to 1 - 1e-13 is refused as too ill-conditioned."""
    funds, factors = panel
    noise = np.random.default_rng(2).normal(0, 1, len(factors))
    near = factors.assign(HML=factors["Mkt-RF"] - factors["SMB"] + 4e-4 * noise)
    res = FactorModel(funds, near, freq="monthly", model="ff3").fit()
    excess = funds.sub(factors["RF"], axis=0)
    _assert_equals_statsmodels(res, excess, near, FACTORS[:3])
    collinear = [n for n in res.notes if "nearly collinear" in n]
    assert len(collinear) == 1 and collinear[0].startswith(
        "funds 'F0', 'F1', 'F2' and 9 others: factor 'HML' is nearly collinear with 'const', 'Mkt-RF', 'SMB' (R² = 1 - "
    )
    closer = factors.assign(HML=factors["Mkt-RF"] - factors["SMB"] + 2e-8 * noise)
    with pytest.raises(InputError, match=r"factors: factor 'HML' is nearly collinear .* too ill-conditioned"):
        FactorModel(funds, closer, freq="monthly", model="ff3").fit()
