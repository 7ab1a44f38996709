"""``funds_ols``: 2,000 funds × 6,300 daily observations × 6 factors, against statsmodels.

Ours runs on one thread (the ``2 threads`` line: on two), whatever the machine's load, so that
runs compare (left to itself it uses the cores idle over the last minute).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.regression import FactorModel
from analytics.threads import fixed_threads
from bench.harness import Workload

FACTORS = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]


def funds_data(n_funds: int, n_obs: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("1996-01-01", periods=n_obs)
    factors = pd.DataFrame(rng.normal(0, 0.01, (n_obs, 6)), index=dates, columns=FACTORS)
    factors["RF"] = 0.0001
    betas = rng.normal(0.5, 0.5, (6, n_funds))
    funds = pd.DataFrame(
        factors[FACTORS].to_numpy() @ betas + rng.normal(0, 0.01, (n_obs, n_funds)),
        index=dates,
        columns=[f"F{i:04d}" for i in range(n_funds)],
    )
    # A quarter of the funds start later, as real fund panels do (several sample groups).
    late = funds.columns[: n_funds // 4]
    funds.loc[dates[: n_obs // 3], late] = np.nan
    return funds, factors


def funds_ols(quick: bool) -> Workload:
    n_funds, n_obs = (200, 1000) if quick else (2000, 6300)
    funds, factors = funds_data(n_funds, n_obs)
    sample = funds.columns[:: max(1, n_funds // 200)]

    def ours(threads: int = 1):
        with fixed_threads(threads):
            return FactorModel(funds, factors, freq="daily", model="ff6", excess=True).fit()

    def baseline():
        import statsmodels.api as sm

        out = {}
        x_all = sm.add_constant(factors[FACTORS])
        for fund in sample:
            y = funds[fund].dropna()
            fit = sm.OLS(y, x_all.loc[y.index]).fit()
            out[fund] = (
                fit.params.to_numpy(),
                fit.bse.to_numpy(),
                fit.tvalues.to_numpy(),
                fit.rsquared,
                fit.resid.std() * np.sqrt(252),
            )
        return out

    def check(res, base):
        for fund, (params, bse, t, r2, _ivol) in base.items():
            np.testing.assert_allclose(res.params.loc[fund].to_numpy(), params, rtol=1e-8)
            np.testing.assert_allclose(res.bse.loc[fund].to_numpy(), bse, rtol=1e-8)
            np.testing.assert_allclose(res.tvalues.loc[fund].to_numpy(), t, rtol=1e-8)
            np.testing.assert_allclose(res.rsquared[fund], r2, rtol=1e-8)

    return Workload(
        ours,
        baseline,
        check,
        baseline_scale=n_funds / len(sample),
        description="statsmodels OLS per fund, incl. ivol",
        variants={"2 threads": lambda: ours(2)},
    )


WORKLOADS = {"funds_ols": funds_ols}
