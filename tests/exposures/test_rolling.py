"""Rolling betas of many series equal statsmodels RollingOLS(missing='drop', params_only=True), and keep
their digits however long the sample and whatever the means (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.rolling import RollingOLS

from analytics import jobs
from analytics.errors import InputError
from analytics.jobs import Progress
from analytics.regression.rolling import ILL_CONDITIONED, rolling_betas, rolling_fit, solve_spd, window_sums


def _panel(t_len: int = 400, m: int = 30, k: int = 3, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Series with late listings, delistings, scattered gaps and one empty series."""
    rng = np.random.default_rng(seed)
    f = rng.normal(0, 0.01, (t_len, k))
    x = np.column_stack([np.ones(t_len), f])
    y = f @ rng.normal(0.8, 0.5, (k, m)) + rng.normal(0, 0.01, (t_len, m))
    y[:150, 0:4] = np.nan  # late listings
    y[300:, 4:7] = np.nan  # delistings
    y[rng.random((t_len, m)) < 0.03] = np.nan  # scattered days everywhere
    y[:, 7] = np.nan  # never any data
    y[200:260, 8] = np.nan  # a long halt
    return y, x


def _statsmodels(y: np.ndarray, x: np.ndarray, window: int, min_nobs: int) -> np.ndarray:
    """RollingOLS per series (it cannot take an all-missing series: that one is all NaN)."""

    def one(col: np.ndarray) -> np.ndarray:
        if np.isnan(col).all():
            return np.full(x.shape, np.nan)
        return RollingOLS(col, x, window=window, min_nobs=min_nobs, missing="drop").fit(params_only=True).params

    return np.stack([one(y[:, j]) for j in range(y.shape[1])], axis=1)


@pytest.mark.parametrize(("window", "min_nobs"), [(60, 30), (60, None), (25, 25), (120, 10)])
def test_equals_rolling_ols_with_missing_values(window, min_nobs) -> None:
    """Same coefficients (1e-8) and the same NaN windows as RollingOLS for every series."""
    y, x = _panel()
    ours = jobs.run(rolling_betas(y, x, window, min_nobs))
    expected = _statsmodels(y, x, window, min_nobs or x.shape[1])
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours, expected, rtol=1e-8)


def test_missing_factor_rows_are_dropped_for_every_series() -> None:
    """A row with a missing factor is left out of every window, as statsmodels drops it."""
    y, x = _panel(m=12)
    x[[50, 51, 180], 2] = np.nan
    ours = jobs.run(rolling_betas(y, x, 40, 20))
    expected = _statsmodels(y, x, 40, 20)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours, expected, rtol=1e-8)


def test_singular_window_is_nan() -> None:
    """A factor that is zero throughout a window makes X'X singular: NaN there. Windows that
    touch the zero block are degenerate (statsmodels' running sums leave rounding residue in
    them and return meaningless numbers); all other windows equal statsmodels."""
    y, x = _panel(m=12)
    x[100:180, 1] = 0.0
    ours = jobs.run(rolling_betas(y, x, 50, 20))
    singular = np.arange(149, 180)
    assert np.isnan(ours[singular]).all() and np.isfinite(ours[260, 10]).all()
    rest = np.r_[0:100, 229 : len(x)]
    np.testing.assert_allclose(ours[rest], _statsmodels(y, x, 50, 20)[rest], rtol=1e-8)


def test_job_reports_progress_and_shape() -> None:
    """The job yields progress up to 1 and returns T×m×k for a single 1-D series too."""
    y, x = _panel(m=12)
    steps: list[Progress] = []
    out = jobs.run(rolling_betas(y[:, 10], x, 30), steps.append)
    assert out.shape == (len(x), 1, x.shape[1]) and steps[-1].fraction == 1.0


@pytest.mark.parametrize(
    ("window", "min_nobs", "words"), [(0, None, "window"), (30, 2, "minimum"), (30, 31, "minimum")]
)
def test_bad_arguments(window, min_nobs, words) -> None:
    """Windows and minimums statsmodels refuses are refused with a sentence."""
    y, x = _panel(m=12)
    with pytest.raises(InputError, match=words):
        jobs.run(rolling_betas(y, x, window, min_nobs))


def test_window_sums_and_solver() -> None:
    """Window sums equal explicit sums; the vectorized SPD solver equals numpy.linalg.solve."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(50, 300))
    sums = window_sums(values, 7)
    np.testing.assert_allclose(sums[20], values[14:21].sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sums[3], values[:4].sum(axis=0), rtol=1e-12)
    g = rng.normal(size=(200, 5, 12))
    a = g @ g.transpose(0, 2, 1)
    b = rng.normal(size=(200, 5))
    got, ok = solve_spd(np.ascontiguousarray(a.transpose(1, 2, 0)), b.T)
    assert ok.all()
    np.testing.assert_allclose(got.T, np.linalg.solve(a, b[:, :, None])[:, :, 0], rtol=1e-9)


def _gross_returns(t_len: int = 6300, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Daily gross returns (1 + r) of three series on three gross factors, plus an intercept."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0003, 0.01, (t_len, 3))
    y = 1 + r @ rng.normal(0.8, 0.4, (3, 3)) + rng.normal(0, 0.01, (t_len, 3))
    return y, np.column_stack([np.ones(t_len), 1 + r])


def _exact(y: np.ndarray, x: np.ndarray, window: int, rows: np.ndarray) -> np.ndarray:
    """Each window's OLS from scratch (centered, by SVD least squares): the independent reference."""
    out = np.empty((len(rows), x.shape[1]))
    for i, t in enumerate(rows):
        xs, ys = x[t - window + 1 : t + 1, 1:], y[t - window + 1 : t + 1]
        slopes = np.linalg.lstsq(xs - xs.mean(axis=0), ys - ys.mean(), rcond=None)[0]
        out[i] = [ys.mean() - xs.mean(axis=0) @ slopes, *slopes]
    return out


def test_gross_returns_equal_rolling_ols_in_the_last_windows() -> None:
    """On 6,300 days of gross returns the last windows still equal statsmodels RollingOLS to 1e-8."""
    y, x = _gross_returns()
    ours = jobs.run(rolling_betas(y, x, 252))
    last = slice(-500, None)
    np.testing.assert_allclose(ours[last], _statsmodels(y, x, 252, x.shape[1])[last], rtol=1e-8)


@pytest.mark.parametrize("shift", [0.0, 1000.0])
def test_error_does_not_grow_along_the_sample(shift: float) -> None:
    """The market beta of the last 500 windows is as exact as that of the first 500 (1e-13
    relative), on gross returns and on factors in levels (+1000), against windows refitted
    from scratch: the running sums restart and hold centered data (issue 11)."""
    y, x = _gross_returns()
    x[:, 1:] += shift
    y = y[:, :1] + shift
    ours = jobs.run(rolling_betas(y, x, 252))[:, 0]
    for rows in (np.arange(251, 751), np.arange(len(x) - 500, len(x))):
        exact = _exact(y[:, 0], x, 252, rows)
        assert np.median(np.abs(ours[rows, 1] / exact[:, 1] - 1)) < 1e-13
        np.testing.assert_allclose(ours[rows, 1:], exact[:, 1:], rtol=1e-11)


def test_collinear_windows_are_empty_and_flagged() -> None:
    """A window where one factor is another's multiple (gap-free or with gaps in the series)
    is NaN and flagged with its reason; the other windows are fitted as statsmodels fits them."""
    y, x = _panel(m=12)
    x[200:300, 3] = 2 * x[200:300, 2]
    fit = jobs.run(rolling_fit(y, x, 50, 20))
    inside = np.arange(249, 300)
    assert np.isnan(fit.params[inside]).all()
    assert fit.ill_conditioned[inside][:, [0, 1, 2, 3, 4, 5, 6, 9, 10, 11]].all()  # 7 is empty, 8 halted there
    assert not fit.ill_conditioned[:200].any() and "collinear" in ILL_CONDITIONED
    rest = np.r_[0:200, 349 : len(x)]
    np.testing.assert_allclose(fit.params[rest], _statsmodels(y, x, 50, 20)[rest], rtol=1e-8)
