"""Everything the Fund regression tab shows: full-sample fits, rolling and split-window betas.

The chapter's warning (13.8) is that betas are not stable: rolling windows show how they
drift, and split windows (e.g. at a known change of strategy) show what a single
full-sample regression averages away. Both are computed here, as one job, on the same
aligned data the full-sample regression used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.jobs import Job, Progress
from analytics.regression.model import FactorModel, regression_job
from analytics.regression.results import FactorRegressionResults
from analytics.regression.rolling import rolling_betas

__all__ = ["FundReport", "fund_report_job", "DEFAULT_WINDOW"]

#: Rolling window by frequency: about three years of months, one year of days or weeks.
DEFAULT_WINDOW = {"monthly": 36, "weekly": 52, "daily": 252}


@dataclass(frozen=True)
class FundReport:
    """Full-sample regressions plus rolling and split-window loadings of the same funds."""

    results: FactorRegressionResults
    window: int
    rolling: pd.DataFrame  # dates × (fund, term), terms: const and the factors
    splits: pd.DataFrame  # one row per (window, fund): window_start, window_end, terms, r2, n_obs

    def rolling_for(self, fund: str) -> pd.DataFrame:
        """One fund's rolling loadings (dates × factors), NaN before a full window."""
        return self.rolling[fund][self.results.factors]

    @cached_property
    def rolling_long(self) -> pd.DataFrame:
        """Rolling loadings as a long table: date, fund, const, factors."""
        long = self.rolling.stack(level=0, future_stack=True).dropna(how="all")
        return long.rename_axis(["date", "fund"]).reset_index()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The regression tables plus the rolling and split-window loadings."""
        return {**self.results.tables(), "rolling_betas": self.rolling_long, "split_windows": self.splits}


def fund_report_job(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    freq: str,
    window: int | None = None,
    splits: list[str] | None = None,
    **regression_options: object,
) -> Job[FundReport]:
    """Fit the funds, then their rolling betas over ``window`` periods and per split window.

    ``splits`` are dates ending each window but the last: ``["2015-12-31"]`` fits the periods
    up to and including 2015-12-31, and after it, separately.
    """
    results = yield from regression_job(returns, factors, freq=freq, **regression_options)
    window = window or DEFAULT_WINDOW[freq]
    k = len(results.factors) + 1
    if window <= k:
        raise InputError(f"rolling window of {window} periods is too short for {k} parameters; use more than {k}.")
    x = np.column_stack([np.ones(len(results.x)), results.x.to_numpy(dtype=float)])
    betas = yield from rolling_betas(results.y.to_numpy(dtype=float), x, window, min_nobs=max(k + 1, window // 2))
    columns = pd.MultiIndex.from_product([results.funds, ["const", *results.factors]], names=["fund", "term"])
    rolling = pd.DataFrame(betas.reshape(len(x), -1), index=results.y.index, columns=columns)
    split_table = yield from _split_fits(results, freq, splits or [], regression_options)
    return FundReport(results, window, rolling, split_table)


def _split_fits(
    results: FactorRegressionResults, freq: str, splits: list[str], options: dict[str, object]
) -> Job[pd.DataFrame]:
    """Refit on each window between split dates (the chapter's before/after comparison)."""
    if not splits:
        return pd.DataFrame()
    edges = [None, *sorted(pd.Timestamp(s) for s in splits), None]
    rows = []
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        yield Progress(i / (len(edges) - 1), f"split window {i + 1} of {len(edges) - 1}")
        dates = results.y.index
        keep = (dates > lo if lo is not None else True) & (dates <= hi if hi is not None else True)
        y = results.y[keep]
        y = y.loc[:, y.notna().sum() > len(results.factors) + 2]  # funds with enough data in the window
        if y.empty:
            continue
        model = FactorModel(y, results.x[keep], freq=freq, model=results.model, excess=True,
                            periods_per_year=results.periods_per_year)
        fit = yield from model.fit_job()
        table = fit.params.assign(r2=fit.rsquared, n_obs=fit.nobs).reset_index()
        table.insert(0, "window_start", fit.span["start"].min().date())
        table.insert(1, "window_end", fit.span["end"].max().date())
        rows.append(table)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
