"""Rolling betas of many series equal statsmodels RollingOLS(missing='drop', params_only=True)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.rolling import RollingOLS

from analytics import jobs
from analytics.errors import InputError
from analytics.jobs import Progress
from analytics.regression.rolling import rolling_betas, solve_spd, window_sums


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


@pytest.mark.parametrize(("window", "min_nobs", "words"), [(0, None, "window"), (30, 2, "minimum"), (30, 31, "minimum")])
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
    got = solve_spd(np.ascontiguousarray(a.transpose(1, 2, 0)), b.T).T
    np.testing.assert_allclose(got, np.linalg.solve(a, b[:, :, None])[:, :, 0], rtol=1e-9)
