"""Everything the Fund regression tab shows: full-sample fits, rolling and split-window betas.

The chapter's warning (13.8) is that betas are not stable: rolling windows show how they
drift, and split windows (e.g. at a known change of strategy) show what a single
full-sample regression averages away. Both are computed here, as one job, on the same
aligned data the full-sample regression used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.jobs import Job, Progress
from analytics.regression.model import regression_job
from analytics.regression.results import FactorRegressionResults
from analytics.regression.rolling import ILL_CONDITIONED, rolling_fit
from analytics.regression.windows import window_fits
from analytics.tables_lazy import LazyTables

__all__ = ["DEFAULT_WINDOW", "FundReport", "fund_report_job"]

#: Rolling window by frequency: about three years of months, one year of days or weeks.
DEFAULT_WINDOW = {"monthly": 36, "weekly": 52, "daily": 252}


@dataclass(frozen=True)
class FundReport:
    """Full-sample regressions plus rolling and split-window loadings of the same funds."""

    results: FactorRegressionResults
    window: int | None  # rolling window in periods; None when no rolling betas were asked for
    rolling: pd.DataFrame  # dates × (fund, term), terms: const and the factors; no columns without a window
    splits: pd.DataFrame  # one row per (window, fund): window_start, window_end, terms, r2, n_obs
    notes: tuple[str, ...] = ()  # about the rolling windows (the regressions' own are results.notes)
    #: The request that made the report (:func:`~analytics.regression.request.run_regression`).
    request: Any = None
    #: What reading the inputs assumed (units, dates, sources joined...).
    input_notes: tuple[str, ...] = ()

    @property
    def all_notes(self) -> tuple[str, ...]:
        """Every note once: the inputs', the regressions', then the rolling windows'."""
        return tuple(dict.fromkeys((*self.input_notes, *self.results.notes, *self.notes)))

    @property
    def settings(self) -> dict[str, Any]:
        """What the run used where the request left it to the data, for the run record."""
        r = self.results
        return {
            "model": r.model,
            "factors": list(r.factors),
            "frequency": r.freq,
            "periods_per_year": r.periods_per_year,
            "standard_errors": r.cov_description,
            "rolling_window": self.window,
        }

    def rolling_for(self, fund: str) -> pd.DataFrame:
        """One fund's rolling loadings (dates × factors), NaN before a full window (all NaN when
        no rolling loadings were asked for)."""
        if self.window is None:
            return pd.DataFrame(np.nan, index=self.rolling.index, columns=self.results.factors)
        # A first-level column label selects a frame of the second level (pandas-stubs says Series).
        return cast(pd.DataFrame, self.rolling[fund])[self.results.factors]

    @cached_property
    def rolling_long(self) -> pd.DataFrame:
        """Rolling loadings as a long table: date, fund, const, factors."""
        long = self.rolling.stack(level=0, future_stack=True).dropna(how="all")
        return long.rename_axis(["date", "fund"]).reset_index()

    def tables(self) -> LazyTables:
        """The regression tables plus the rolling and split-window loadings that were asked for."""
        extra: dict[str, Callable[[], pd.DataFrame]] = {}
        if self.window is not None:
            extra["rolling_betas"] = lambda: self.rolling_long
        if len(self.splits):
            extra["split_windows"] = lambda: self.splits
        return self.results.tables().adding(extra)


def fund_report_job(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    freq: str,
    rolling: int | None = 0,
    splits: Sequence[str | pd.Timestamp] | None = None,
    **regression_options: Any,
) -> Job[FundReport]:
    """Fit the funds, then their rolling betas over ``rolling`` periods (0: the frequency's
    default window; None: no rolling betas) and per split window.

    ``splits`` are dates ending each window but the last: ``["2015-12-31"]`` fits the periods
    up to and including 2015-12-31, and after it, separately.
    """
    results = yield from regression_job(returns, factors, freq=freq, **regression_options)
    columns = pd.MultiIndex.from_product([results.funds, ["const", *results.factors]], names=["fund", "term"])
    window = None if rolling is None else rolling or DEFAULT_WINDOW[freq]
    notes: tuple[str, ...] = ()
    if window is None:  # no columns: funds × terms of NaN would be dates × 7,000 cells for 1,000 funds
        rolling_betas = pd.DataFrame(index=results.y.index, columns=columns[:0], dtype=float)
    else:
        rolling_betas, notes = yield from _rolling(results, window, columns)
    yield Progress(1.0, "split windows")
    return FundReport(results, window, rolling_betas, _split_fits(results, freq, splits or []), notes)


def _rolling(
    results: FactorRegressionResults, window: int, columns: pd.MultiIndex
) -> Job[tuple[pd.DataFrame, tuple[str, ...]]]:
    """Every fund's rolling loadings over ``window`` periods, and a note on empty windows."""
    k = len(results.factors) + 1
    if window <= k:
        raise InputError(
            f"a rolling window of {window} periods is too short for {k} parameters; use more than {k}.",
            option="rolling",
        )
    x = np.column_stack([np.ones(len(results.x)), results.x.to_numpy(dtype=float)])
    if window > len(x):  # a sample shorter than one window (two years of months, the default 36)
        why = (
            f"no rolling loadings: the rolling window of {window} periods is longer than the {len(x)} periods "
            "of data; choose a shorter window."
        )
        return pd.DataFrame(np.nan, index=results.y.index, columns=columns), (why,)
    fit = yield from rolling_fit(results.y.to_numpy(dtype=float), x, window, min_nobs=max(k + 1, window // 2))
    frame = pd.DataFrame(fit.params.reshape(len(x), -1), index=results.y.index, columns=columns)
    return frame, _ill_conditioned_note(fit.ill_conditioned, results.funds)


def _ill_conditioned_note(ill: np.ndarray, funds: list[str]) -> tuple[str, ...]:
    """One note naming the funds with rolling windows left empty for collinear factors."""
    counts = ill.sum(axis=0)
    hit = np.flatnonzero(counts)
    if not len(hit):
        return ()
    named = ", ".join(f"{funds[j]!r} ({counts[j]})" for j in hit[:3]) + (
        f" and {len(hit) - 3} more" if len(hit) > 3 else ""
    )
    return (f"rolling windows left empty in fund {named}: {ILL_CONDITIONED}.",)


def _split_fits(results: FactorRegressionResults, freq: str, splits: Sequence[str | pd.Timestamp]) -> pd.DataFrame:
    """Refit each fund before and after each split date (the chapter's 13.8 comparison)."""
    if not splits:
        return pd.DataFrame()
    dates = results.y.index
    edges = sorted(pd.Timestamp(s) for s in splits)
    starts = [None, *(dates[dates > edge][0] if (dates > edge).any() else edge for edge in edges)]
    table = window_fits(
        results.y,
        results.x,
        list(zip(starts, [*edges, None])),
        freq=freq,
        model=results.model,
        periods_per_year=results.periods_per_year,
    )
    table = table.rename(columns={"series": "fund"}).dropna(subset=["const"]).reset_index(drop=True)
    table["window_start"] = table["window_start"].dt.date
    table["window_end"] = table["window_end"].dt.date
    return table
