"""Style drift from holdings: when exposures jumped, and when holdings and returns disagree.

Two checks on an :class:`~analytics.exposures.ExposureResults` (the chapter's 13.8):

- **Shifts**: on each holdings date, the change of each bottom-up exposure from the last return
  date of the previous holdings to the first return date of the new ones. Comparing those two
  adjacent dates isolates the change of holdings (with rolling betas the stock betas also move
  between them, by one period only). A change larger than ``threshold`` (in loading units) is a
  shift; the demo's tech -> retail rotation is one.
- **Disagreements**: per holdings window (and over the full sample), the average bottom-up
  exposure against the top-down loading from regressing the fund's return on the factors within
  the window, flagged when it falls outside the top-down 95% interval. About 5% of comparisons
  fall outside by chance alone when both views are right, which the summary says.

Why the intervals are computed here: ``ExposureResults.topdown`` holds the per-window
coefficients but not their standard errors, so the windows are refitted (the same regression:
the fund's excess return on the model's factors, with a constant, over the window's dates) and
their 95% intervals taken from those fits; that needs the factor returns, passed as ``factors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.exposures.results import ExposureResults
from analytics.regression.model import FactorModel

__all__ = ["DEFAULT_THRESHOLD", "StyleDrift", "style_drift"]

#: Default shift size in loading units. Why 0.25: reweighting within one style moves the demo
#: fund's exposures by a few hundredths, a change of style by 0.3 to 1.5; a quarter of a
#: market beta is a change a committee would want explained.
DEFAULT_THRESHOLD = 0.25
SHIFT_COLUMNS = ["holdings_date", "effective_date", "factor", "before", "after", "change"]
WINDOW_COLUMNS = [
    "window_start",
    "window_end",
    "factor",
    "bottom_up",
    "top_down",
    "lower",
    "upper",
    "n_obs",
    "disagree",
]


@dataclass(frozen=True)
class StyleDrift:
    """Shifts of bottom-up exposures between holdings dates, and bottom-up vs top-down checks.

    ``shifts`` has one row per (holdings date, factor) whose exposure moved by more than
    ``threshold``; ``windows`` one row per (holdings window, factor) with both views and the
    top-down interval, ``disagree`` marking those outside it; ``full_sample`` the same check over
    all dates. Empty ``windows``/``full_sample`` (with a note) when no factor returns were given.
    """

    threshold: float
    level: float
    factors: tuple[str, ...]
    shifts: pd.DataFrame
    windows: pd.DataFrame
    full_sample: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @cached_property
    def disagreements(self) -> pd.DataFrame:
        """The (window, factor) rows where bottom-up falls outside the top-down interval."""
        if self.windows.empty:
            return self.windows
        return self.windows[self.windows["disagree"]].reset_index(drop=True)

    @cached_property
    def shift_dates(self) -> list[pd.Timestamp]:
        """Holdings dates with at least one shift, in order (the marks on the plots)."""
        return sorted(pd.Timestamp(d) for d in self.shifts["holdings_date"].unique())

    def tables(self) -> dict[str, pd.DataFrame]:
        """The drift tables by name (for exports)."""
        return {
            "style_shifts": self.shifts,
            "bottom_up_vs_top_down": self.windows,
            "full_sample_agreement": self.full_sample,
        }


def style_drift(
    exposures: ExposureResults,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    factors: pd.DataFrame | None = None,
    level: float = 0.95,
) -> StyleDrift:
    """Shifts larger than ``threshold`` between holdings dates; with ``factors`` (the factor
    returns the exposures were estimated on, decimals, dates × factors) also the windows where
    bottom-up and top-down disagree beyond the top-down ``level`` interval."""
    if not threshold > 0:
        raise ValueError(f"the drift threshold must be positive, not {threshold}")
    names = tuple(exposures.factors)
    notes: list[str] = []
    if factors is None:
        empty = pd.DataFrame(columns=WINDOW_COLUMNS)
        notes.append(
            "bottom-up vs top-down not checked: the top-down table has no standard errors and no "
            "factor returns were given to compute its intervals."
        )
        return StyleDrift(threshold, level, names, _shifts(exposures, threshold), empty, empty, tuple(notes))
    windows = _comparisons(exposures, factors, level, per_window=True)
    full = _comparisons(exposures, factors, level, per_window=False)
    skipped = int(windows["top_down"].isna().sum() // max(len(names), 1))
    if skipped:
        notes.append(f"{skipped} holdings window(s) too short for a top-down regression; not compared.")
    return StyleDrift(threshold, level, names, _shifts(exposures, threshold), windows, full, tuple(notes))


def _shifts(exposures: ExposureResults, threshold: float) -> pd.DataFrame:
    """Exposure changes across each holdings date larger than ``threshold``."""
    frame = exposures.exposures[list(exposures.factors)]
    windows = exposures.windows
    rows = []
    for prev, cur in zip(windows.itertuples(), windows.iloc[1:].itertuples()):
        before, after = frame.loc[prev.window_end], frame.loc[cur.window_start]
        for factor in exposures.factors:
            change = after[factor] - before[factor]
            if np.isfinite(change) and abs(change) > threshold:
                rows.append((cur.holdings_date, cur.window_start, factor, before[factor], after[factor], change))
    return pd.DataFrame(rows, columns=SHIFT_COLUMNS)


def _comparisons(exposures: ExposureResults, factors: pd.DataFrame, level: float, *, per_window: bool) -> pd.DataFrame:
    """Average bottom-up exposure vs top-down loading and interval, per window or over all dates."""
    spans = (
        list(zip(exposures.windows["window_start"], exposures.windows["window_end"]))
        if per_window
        else [(exposures.exposures.index[0], exposures.exposures.index[-1])]
    )
    fund = exposures.fund_returns
    names = list(exposures.factors)
    rows = []
    for start, end in spans:
        bottom_up = exposures.exposures.loc[start:end, names].mean()
        fit = _topdown_fit(fund.loc[start:end], factors, exposures, level)
        for factor in names:
            top, lower, upper, n = fit.get(factor, (np.nan, np.nan, np.nan, 0))
            outside = bool(np.isfinite(lower) and not lower <= bottom_up[factor] <= upper)
            rows.append((start, end, factor, bottom_up[factor], top, lower, upper, n, outside))
    return pd.DataFrame(rows, columns=WINDOW_COLUMNS)


def _topdown_fit(
    fund: pd.Series, factors: pd.DataFrame, exposures: ExposureResults, level: float
) -> dict[str, tuple[float, float, float, int]]:
    """Top-down loading and its interval per factor over ``fund``'s dates ({} when too short)."""
    names = list(exposures.factors)
    x = factors.reindex(fund.index)[names]
    usable = fund.notna() & x.notna().all(axis=1)
    if usable.sum() < len(names) + 2:
        return {}
    fit = FactorModel(
        fund[usable].to_frame("fund"), x[usable], freq=exposures.freq, model=exposures.model, excess=True
    ).fit()
    lower, upper = fit.conf_int(1 - level)
    n = int(fit.nobs["fund"])
    return {f: (fit.params.at["fund", f], lower.at["fund", f], upper.at["fund", f], n) for f in names}
