"""Property tests: loaders round-trip any shape and NaN pattern; the regression core and the
rolling betas are exact and equivariant to shifts and scales, whatever the data (issues 7, 11)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analytics import jobs
from analytics.data.dates import DATE_NAMES
from analytics.data.readers import load_returns
from analytics.data.returns import ID_NAMES, RETURN_NAMES, canonical_factor_name
from analytics.regression import FactorModel
from analytics.regression.rolling import rolling_betas

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RESERVED = {*DATE_NAMES, *ID_NAMES, *RETURN_NAMES}
NAMES = st.from_regex(r"\A[A-Z][A-Z0-9_]{0,7}\Z").filter(
    lambda n: n.lower() not in RESERVED and canonical_factor_name(n) is None
)
DATE_FORMATS = {"iso": "%Y-%m-%d", "us": "%m/%d/%Y", "yyyymm": "%Y%m"}


@st.composite
def wide_panels(draw) -> pd.DataFrame:
    """Monthly decimal returns: 3-40 months, 1-5 funds, any NaN pattern (no all-NaN column)."""
    n = draw(st.integers(3, 40))
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    values = draw(hnp.arrays(float, (n, len(names)), elements=st.floats(-0.9, 0.9, allow_subnormal=False)))
    holes = draw(hnp.arrays(bool, (n, len(names))))
    holes[draw(st.integers(0, n - 1)), :] = False  # every column keeps a value
    values[holes] = np.nan
    start = draw(st.dates(min_value=pd.Timestamp("1926-01-01").date(), max_value=pd.Timestamp("2200-01-01").date()))
    dates = pd.date_range(pd.Timestamp(start) + pd.offsets.MonthEnd(0), periods=n, freq="ME")
    return pd.DataFrame(values, index=dates, columns=names)


@SETTINGS
@given(panel=wide_panels(), style=st.sampled_from(sorted(DATE_FORMATS)))
def test_wide_csv_round_trip(panel: pd.DataFrame, style: str) -> None:
    """Writing a wide panel to CSV in any date style and loading it returns the same numbers."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.csv"
        frame = panel.rename_axis("date").reset_index()
        frame.assign(date=frame["date"].dt.strftime(DATE_FORMATS[style])).to_csv(path, index=False)
        data = load_returns(path, units="decimal", freq="monthly")
    pd.testing.assert_frame_equal(data.assets, panel, check_freq=False, check_names=False)
    assert data.freq == "monthly"


@SETTINGS
@given(panel=wide_panels())
def test_long_round_trip_equals_wide(panel: pd.DataFrame) -> None:
    """The same panel stacked long (date, id, ret; NaN rows dropped) loads to the same wide frame."""
    long = panel.rename_axis(index="date", columns="id").stack().rename("ret").reset_index()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.csv"
        long.assign(date=long["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
        data = load_returns(path, units="decimal", freq="monthly")
    expected = panel.dropna(how="all").sort_index(axis=1)
    pd.testing.assert_frame_equal(data.assets.sort_index(axis=1), expected, check_freq=False, check_names=False)


@st.composite
def regressions(draw) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Random excess returns (with gaps) on 1 or 3 well-conditioned random factors."""
    model = draw(st.sampled_from(["capm", "ff3"]))
    k = 1 if model == "capm" else 3
    n = draw(st.integers(12, 80))
    m = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2001-01-31", periods=n, freq="ME")
    factors = pd.DataFrame(rng.normal(0, 0.04, (n, k)), index=dates, columns=["Mkt-RF", "SMB", "HML"][:k])
    funds = pd.DataFrame(
        factors.to_numpy() @ rng.normal(0.5, 1, (k, m)) + rng.normal(0, 0.02, (n, m)),
        index=dates,
        columns=[f"F{i}" for i in range(m)],
    )
    gaps = rng.random((n, m)) < draw(st.floats(0, 0.3))
    gaps[: k + 3] = False  # enough observations for every fund
    return funds.mask(gaps), factors, model


@SETTINGS
@given(case=regressions())
def test_agrees_with_statsmodels_on_random_data(case) -> None:
    """params, bse and R² equal statsmodels' for every fund of random data with gaps."""
    funds, factors, model = case
    res = FactorModel(funds, factors, freq="monthly", model=model, excess=True).fit()
    for fund in funds.columns:
        data = pd.concat([funds[fund], factors], axis=1).dropna()
        fit = sm.OLS(data[fund], sm.add_constant(data[factors.columns])).fit()
        np.testing.assert_allclose(res.params.loc[fund].to_numpy(), fit.params.to_numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(res.bse.loc[fund].to_numpy(), fit.bse.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose(res.rsquared[fund], fit.rsquared, rtol=1e-8, atol=1e-12)


@SETTINGS
@given(case=regressions(), c=st.floats(0.01, 100).flatmap(lambda v: st.sampled_from([v, -v])))
def test_scaling_returns_scales_loadings_not_t(case, c: float) -> None:
    """Returns × c multiply alpha and loadings by c; t-stats (up to sign), R² and n are unchanged."""
    funds, factors, model = case
    base = FactorModel(funds, factors, freq="monthly", model=model, excess=True).fit()
    scaled = FactorModel(funds * c, factors, freq="monthly", model=model, excess=True).fit()
    np.testing.assert_allclose(scaled.params.to_numpy(), base.params.to_numpy() * c, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(scaled.tvalues.to_numpy(), base.tvalues.to_numpy() * np.sign(c), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(scaled.rsquared.to_numpy(), base.rsquared.to_numpy(), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(scaled.ivol.to_numpy(), base.ivol.to_numpy() * abs(c), rtol=1e-7)
    assert scaled.nobs.equals(base.nobs)


@SETTINGS
@given(case=regressions(), c=st.floats(-1e3, 1e3))
def test_adding_a_constant_leaves_loadings_t_and_r2(case, c: float) -> None:
    """Adding c to every factor and to the fund (levels, gross returns) changes only the
    intercept: loadings, their t-statistics and R² stay the same to 1e-7 (issue 11)."""
    funds, factors, model = case
    base = FactorModel(funds, factors, freq="monthly", model=model, excess=True).fit()
    shifted = FactorModel(funds + c, factors + c, freq="monthly", model=model, excess=True).fit()
    names = list(factors.columns)
    betas = base.params[names].to_numpy()
    np.testing.assert_allclose(shifted.params[names].to_numpy(), betas, rtol=1e-7, atol=1e-7 * np.abs(betas).max())
    np.testing.assert_allclose(shifted.tvalues[names].to_numpy(), base.tvalues[names].to_numpy(), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(shifted.rsquared.to_numpy(), base.rsquared.to_numpy(), rtol=1e-7, atol=1e-9)


@SETTINGS
@given(case=regressions(), log_s=st.floats(-6, 6), which=st.integers(0, 2))
def test_scaling_a_factor_scales_its_loading_not_t(case, log_s: float, which: int) -> None:
    """A factor × s (units: percent, basis points, 1e-6..1e6) has its loading / s; every other
    number, every t-statistic and R² are unchanged to 1e-7 (issue 11)."""
    funds, factors, model = case
    name = factors.columns[which % factors.shape[1]]
    s = 10.0**log_s
    base = FactorModel(funds, factors, freq="monthly", model=model, excess=True).fit()
    scaled = FactorModel(
        funds, factors.assign(**{name: factors[name] * s}), freq="monthly", model=model, excess=True
    ).fit()
    expected = base.params.copy()
    expected[name] /= s
    for col in expected.columns:
        np.testing.assert_allclose(
            scaled.params[col].to_numpy(), expected[col].to_numpy(), rtol=1e-7, atol=1e-7 * np.abs(expected[col]).max()
        )
    np.testing.assert_allclose(scaled.tvalues.to_numpy(), base.tvalues.to_numpy(), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(scaled.rsquared.to_numpy(), base.rsquared.to_numpy(), rtol=1e-7, atol=1e-9)


@st.composite
def rolling_cases(draw) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Series with gaps and late starts on 1-3 random factors plus an intercept column."""
    p = draw(st.integers(1, 3))
    t_len = draw(st.integers(60, 300))
    window = draw(st.integers(p + 3, t_len // 2))
    min_nobs = draw(st.integers(p + 2, window))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    f = rng.normal(0, 0.02, (t_len, p))
    y = f @ rng.normal(0.5, 1, (p, 3)) + rng.normal(0, 0.02, (t_len, 3))
    y[rng.random(y.shape) < draw(st.floats(0, 0.2))] = np.nan
    y[: draw(st.integers(0, t_len // 2)), 0] = np.nan
    return y, np.column_stack([np.ones(t_len), f]), window, min_nobs


@SETTINGS
@given(case=rolling_cases(), c=st.floats(-1e3, 1e3))
def test_rolling_betas_ignore_a_constant_added(case, c: float) -> None:
    """Rolling loadings are unchanged to 1e-7 (and NaN in the same windows) when c is added to
    every factor and series: the running sums no longer carry the means (issue 11)."""
    y, x, window, min_nobs = case
    base = jobs.run(rolling_betas(y, x, window, min_nobs))[:, :, 1:]
    shifted = x.copy()
    shifted[:, 1:] += c
    moved = jobs.run(rolling_betas(y + c, shifted, window, min_nobs))[:, :, 1:]
    np.testing.assert_array_equal(np.isnan(moved), np.isnan(base))
    np.testing.assert_allclose(moved, base, rtol=1e-7, atol=1e-7 * np.nanmax(np.abs(base), initial=0.0))


@SETTINGS
@given(case=rolling_cases(), log_s=st.floats(-6, 6))
def test_rolling_betas_scale_with_their_factor(case, log_s: float) -> None:
    """A factor × s has rolling loadings / s, in the same windows; the others are unchanged."""
    y, x, window, min_nobs = case
    s = 10.0**log_s
    base = jobs.run(rolling_betas(y, x, window, min_nobs))
    scaled = x.copy()
    scaled[:, 1] *= s
    got = jobs.run(rolling_betas(y, scaled, window, min_nobs))
    base[:, :, 1] /= s
    np.testing.assert_array_equal(np.isnan(got), np.isnan(base))
    for j in range(x.shape[1]):
        np.testing.assert_allclose(
            got[:, :, j], base[:, :, j], rtol=1e-7, atol=1e-7 * np.nanmax(np.abs(base[:, :, j]), initial=0.0)
        )
