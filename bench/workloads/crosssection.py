"""``crosssection_fm`` and ``crosssection_fm_lm``: 600 months × 4,000 stocks × 30 characteristics.

Fama-MacBeth from per-date regressions on z-scored characteristics, against the plain ways:
a loop of statsmodels OLS fits over dates (the chapter's code; timed on every 5th month and
scaled, the check covers those months), and linearmodels' ``FamaMacBeth`` on the same
z-scores (in full). 5% of the stock-months miss the return or one characteristic, so every
date has its own sample of rows. Both baselines include their pandas standardization.
Ours runs on one thread (the ``2 threads`` line: on two), whatever the machine's load, so that
runs compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.crosssection import CrossSectionModel
from bench.harness import Workload

NW_LAGS = 6
SAMPLE_EVERY = 5


def _panel(n_months: int, n_stocks: int, n_chars: int, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    chars = [f"c{j:02d}" for j in range(n_chars)]
    rows = n_months * n_stocks
    months = pd.date_range("1971-01-31", periods=n_months, freq="ME")
    x = rng.normal(rng.normal(0, 3, n_chars), rng.uniform(0.5, 4, n_chars), (rows, n_chars))
    premia = rng.normal(0, 0.005, n_chars)
    ret = (x - x.mean(axis=0)) / x.std(axis=0) @ premia + rng.normal(0.005, 0.1, rows)
    data = np.column_stack([ret, x])
    holes = np.flatnonzero(rng.random(rows) < 0.05)
    data[holes, rng.integers(0, n_chars + 1, len(holes))] = np.nan
    # Built from columns, as the panel loader builds it (each column contiguous in memory).
    columns = {
        "date": np.repeat(months.to_numpy(), n_stocks),
        "id": np.tile(np.array([f"S{i:05d}" for i in range(n_stocks)], dtype=object), n_months),
    }
    columns.update({name: np.ascontiguousarray(data[:, j]) for j, name in enumerate(["re", *chars])})
    return pd.DataFrame(columns), chars


def _zscores(panel: pd.DataFrame, chars: list[str]) -> pd.DataFrame:
    """The baselines' standardization: complete rows, z-scores by date with pandas."""
    used = panel.dropna(subset=["re", *chars])
    groups = used.groupby("date")[chars]
    z = (used[chars] - groups.transform("mean")) / groups.transform("std")
    return pd.concat([used[["date", "id", "re"]], z], axis=1)


def _sizes(quick: bool) -> tuple[int, int, int]:
    return (60, 500, 10) if quick else (600, 4000, 30)


def crosssection_fm(quick: bool) -> Workload:
    panel, chars = _panel(*_sizes(quick))
    # The loop is linear in dates: it runs on every 5th month and its time is scaled up.
    months = panel["date"].drop_duplicates()
    sample = panel.loc[panel["date"].isin(months.iloc[::SAMPLE_EVERY])]

    def ours(threads: int = 1):
        return CrossSectionModel(panel, ret_col="re", chars=chars).fit(nw_lags=NW_LAGS, threads=threads)

    def baseline():
        import statsmodels.api as sm

        out = {}
        for date, section in _zscores(sample, chars).groupby("date"):
            fit = sm.OLS(section["re"], section[chars]).fit()
            out[date] = (fit.params.to_numpy(), fit.rsquared, fit.nobs)
        return out

    def check(res, base):
        for date, (b, rsq, nobs) in base.items():
            np.testing.assert_allclose(res.params.loc[date].to_numpy(), b, rtol=1e-8, atol=1e-14)
            np.testing.assert_allclose(res.rsquared[date], rsq, rtol=1e-8)
            assert res.nobs[date] == nobs
        params = res.params.to_numpy()
        np.testing.assert_allclose(res.fama_macbeth["premium"], params.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(
            res.fama_macbeth["std_err"], params.std(axis=0, ddof=1) / np.sqrt(len(params)), rtol=1e-12
        )

    return Workload(
        ours,
        baseline,
        check,
        baseline_scale=len(months) / len(sample["date"].unique()),
        description="per-date statsmodels OLS loop",
        variants={"2 threads": lambda: ours(2)},
    )


def crosssection_fm_lm(quick: bool) -> Workload:
    panel, chars = _panel(*_sizes(quick))

    def ours(threads: int = 1):
        return CrossSectionModel(panel, ret_col="re", chars=chars).fit(nw_lags=NW_LAGS, threads=threads)

    def baseline():
        from linearmodels import FamaMacBeth

        z = _zscores(panel, chars).set_index(["id", "date"])
        return FamaMacBeth(z["re"], z[chars]).fit(cov_type="kernel", kernel="bartlett", bandwidth=NW_LAGS)

    def check(res, base):
        fm = res.fama_macbeth
        np.testing.assert_allclose(fm["premium"], base.params.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose(fm["t_nw"], base.tstats.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose(res.params.to_numpy(), base.all_params.to_numpy(), rtol=1e-8, atol=1e-14)

    return Workload(
        ours, baseline, check, description="linearmodels FamaMacBeth", variants={"2 threads": lambda: ours(2)}
    )


WORKLOADS = {"crosssection_fm": crosssection_fm, "crosssection_fm_lm": crosssection_fm_lm}
