"""``rolling_betas``: 252-day rolling betas of 3,000 stocks × 6,300 days × 6 factors, against statsmodels.

About 10% of the returns are missing the way real stock panels miss them: late listings,
delistings, and scattered missing days in some stocks. The baseline is statsmodels
``RollingOLS(params_only=True)`` per stock on a sample of stocks (timed and scaled); the check
asserts the same betas to 1e-8 on that sample, NaNs in the same places.
"""

from __future__ import annotations

import numpy as np

from analytics import jobs
from analytics.regression.rolling import rolling_betas
from bench.harness import Workload

WINDOW, MIN_NOBS = 252, 126


def _panel(n_stocks: int, n_obs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stock excess returns (T×m) with missing values, and factors with a constant (T×7)."""
    rng = np.random.default_rng(seed)
    f = rng.normal(0.0003, 0.01, (n_obs, 6))
    x = np.column_stack([np.ones(n_obs), f])
    y = f @ rng.normal(0.5, 0.5, (6, n_stocks)) + rng.normal(0, 0.02, (n_obs, n_stocks))
    late = rng.random(n_stocks) < 0.25  # listed after the start
    starts = rng.integers(1, int(0.6 * n_obs), n_stocks)
    delisted = rng.random(n_stocks) < 0.12  # gone before the end
    ends = rng.integers(int(0.5 * n_obs), n_obs, n_stocks)
    rows = np.arange(n_obs)[:, None]
    y[late & (rows < starts)] = np.nan
    y[delisted & (rows >= ends)] = np.nan
    halts = rng.random(n_stocks) < 0.1  # a tenth of the stocks miss scattered days
    y[(rng.random((n_obs, n_stocks)) < 0.003) & halts] = np.nan
    return y, x


def rolling_betas_workload(quick: bool) -> Workload:
    n_stocks, n_obs = (300, 1500) if quick else (3000, 6300)
    y, x = _panel(n_stocks, n_obs)
    sample = np.arange(0, n_stocks, max(1, n_stocks // 30))

    def ours():
        return jobs.run(rolling_betas(y, x, WINDOW, MIN_NOBS))

    def baseline():
        from statsmodels.regression.rolling import RollingOLS

        return {
            j: RollingOLS(y[:, j], x, window=WINDOW, min_nobs=MIN_NOBS, missing="drop").fit(params_only=True).params
            for j in sample
        }

    def check(res, base):
        for j, params in base.items():
            np.testing.assert_array_equal(np.isnan(res[:, j]), np.isnan(params))
            np.testing.assert_allclose(res[:, j], params, rtol=1e-8)

    return Workload(
        ours,
        baseline,
        check,
        baseline_scale=n_stocks / len(sample),
        repeats=2,
        description="statsmodels RollingOLS(params_only=True) per stock",
    )


WORKLOADS = {"rolling_betas": rolling_betas_workload}
