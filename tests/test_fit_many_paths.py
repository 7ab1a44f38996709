"""fit_many's read paths against statsmodels: either memory order, one or two threads.

The pass over the returns reads a frame's columns (each series contiguous) and a row-major
array (each date contiguous) in different tiles, keeps products about zero for series with
every date and a small mean, and reads again, centered, the series with gaps or a mean far
from zero. Every path must give statsmodels' numbers, and the same numbers on any thread count.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from analytics import jobs
from analytics.regression import ols
from analytics.regression.covariance import make_estimator
from analytics.threads import fixed_threads


def _panel() -> tuple[np.ndarray, np.ndarray]:
    """300 days × 200 series × 3 factors (one of them in levels), with every kind of series."""
    rng = np.random.default_rng(11)
    f = rng.normal(0.0005, 0.01, (300, 3)) + [0.0, 0.0, 50.0]
    y = f[:, :2] @ rng.normal(1.0, 0.3, (2, 200)) + rng.normal(0, 0.01, (300, 200))
    y[:, 10:30] += 1.0  # gross returns: the mean is a hundred standard deviations from zero
    y[:, 40:45] += 1e3  # levels
    y[:120, 60:100] = np.nan  # funds that start late
    y[250:, 90:110] = np.nan  # and end early
    y[rng.random(y.shape) < 0.02] = np.nan  # holes everywhere
    y[:, 150:200] = np.where(np.isnan(y[:, 150:200]), 0.0, y[:, 150:200])  # every date again
    f[7, 1] = np.nan  # a date without every factor is in no sample
    return y, f


def _fit(y: np.ndarray, f: np.ndarray, monkeypatch: pytest.MonkeyPatch, threads: int) -> ols.ManyOLS:
    monkeypatch.setattr(ols, "_THREADED_CELLS", 0)  # threads even for this small panel
    with fixed_threads(threads):
        return jobs.run(
            ols.fit_many(
                y, f, make_estimator(), names=["a", "b", "c"], series=[str(j) for j in range(y.shape[1])], min_obs=6
            )
        )


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("threads", [1, 2])
def test_every_path_equals_statsmodels(order: str, threads: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Coefficients, standard errors and R² of every series equal statsmodels' OLS on its own
    dates (1e-8 relative; a coefficient near zero to 1e-8 of its standard error)."""
    y, f = _panel()
    raw = _fit(np.asarray(y, order=order), f, monkeypatch, threads)
    assert all(reason == "" for reason in raw.reasons)
    rows = np.isfinite(f).all(axis=1)
    for j in range(y.shape[1]):
        sample = rows & np.isfinite(y[:, j])
        fit = sm.OLS(y[sample, j], sm.add_constant(f[sample])).fit()
        np.testing.assert_allclose(raw.params[j], fit.params, rtol=1e-8, atol=1e-8 * fit.bse.min())
        np.testing.assert_allclose(np.sqrt(np.diag(raw.cov[j])), fit.bse, rtol=1e-8)
        np.testing.assert_allclose(1 - raw.ssr[j] / raw.tss[j], fit.rsquared, rtol=1e-8)
        assert raw.nobs[j] == fit.nobs
        assert (raw.first[j], raw.last[j]) == tuple(np.flatnonzero(sample)[[0, -1]])


def test_thread_count_does_not_change_the_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts of the pass are fixed by the data, not by the threads: equal to the last bit."""
    y, f = _panel()
    for order in ("C", "F"):
        one, two = (_fit(np.asarray(y, order=order), f, monkeypatch, n) for n in (1, 2))
        np.testing.assert_array_equal(one.params, two.params)
        np.testing.assert_array_equal(one.cov, two.cov)
