"""Window regressions (split windows, per-holdings-window top-down) against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analytics.regression.windows import window_fits


def test_each_window_and_series_equals_its_own_statsmodels_fit() -> None:
    """Every (window, series) row equals OLS on that series' dates inside the window; a window too
    short for the model keeps NaN coefficients and its observation count."""
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2020-01-01", periods=300)
    x = pd.DataFrame(rng.normal(0, 0.01, (300, 3)), index=dates, columns=["Mkt-RF", "SMB", "HML"])
    y = pd.DataFrame(
        {"A": x @ [1.0, 0.2, -0.3] + rng.normal(0, 0.005, 300), "B": x @ [0.5, 0.0, 0.4] + rng.normal(0, 0.005, 300)},
        index=dates,
    )
    y.iloc[:40, 1] = np.nan  # B starts later
    windows = [(None, dates[149]), (dates[150], None), (dates[10], dates[13])]
    table = window_fits(y, x, windows, freq="daily", model="ff3")
    assert len(table) == 6 and list(table["series"]) == ["A", "B"] * 3
    for (lo, hi), (_, row) in zip([w for w in windows for _ in range(2)], table.iterrows()):
        s = y[row["series"]].loc[lo:hi].dropna()
        if len(s) < 5:
            assert np.isnan(row["const"]) and row["n_obs"] == len(s)
            continue
        fit = sm.OLS(s, sm.add_constant(x.loc[s.index])).fit()
        np.testing.assert_allclose(
            row[["const", "Mkt-RF", "SMB", "HML"]].to_numpy(float), fit.params.to_numpy(), rtol=1e-8
        )
        assert abs(row["r2"] - fit.rsquared) < 1e-10
        assert row["n_obs"] == len(s) and row["window_start"] == s.index[0] and row["window_end"] == s.index[-1]
