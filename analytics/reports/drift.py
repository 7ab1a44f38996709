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

The top-down loadings and their intervals come from the exposure results themselves (the
regressions of the fund's excess return on the model's factors, with a constant, over each
window's dates, and their classic standard errors): nothing is refitted here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from analytics.exposures.results import ExposureResults

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
    all dates.
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


def style_drift(exposures: ExposureResults, *, threshold: float = DEFAULT_THRESHOLD, level: float = 0.95) -> StyleDrift:
    """Shifts larger than ``threshold`` between holdings dates, and the windows where bottom-up
    and top-down disagree beyond the top-down ``level`` interval."""
    if not threshold > 0:
        raise ValueError(f"the drift threshold must be positive, not {threshold}")
    names = tuple(exposures.factors)
    lower, upper = exposures.topdown_intervals(level)
    windows = _comparisons(exposures, lower, upper, per_window=True)
    full = _comparisons(exposures, lower, upper, per_window=False)
    notes = []
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


def _comparisons(
    exposures: ExposureResults, lower: pd.DataFrame, upper: pd.DataFrame, *, per_window: bool
) -> pd.DataFrame:
    """Average bottom-up exposure vs top-down loading and interval, per holdings window or over
    all dates (``topdown``'s first row is the full sample, then one row per window, in order)."""
    names = list(exposures.factors)
    exposed = exposures.exposures[names]
    if per_window:
        spans = exposures.windows[["window_start", "window_end"]]
        bottom_up = exposed.groupby(exposures.fund.held_since.to_numpy(), sort=True).mean().to_numpy()
        rows = slice(1, None)
    else:
        spans = pd.DataFrame({"window_start": [exposed.index[0]], "window_end": [exposed.index[-1]]})
        bottom_up = exposed.mean().to_numpy()[None, :]
        rows = slice(0, 1)
    k = len(names)
    frame = pd.DataFrame(
        {
            "window_start": np.repeat(spans["window_start"].to_numpy(), k),
            "window_end": np.repeat(spans["window_end"].to_numpy(), k),
            "factor": np.tile(names, len(spans)),
            "bottom_up": bottom_up.ravel(),
            "top_down": exposures.topdown[names].to_numpy(dtype=float)[rows].ravel(),
            "lower": lower[names].to_numpy(dtype=float)[rows].ravel(),
            "upper": upper[names].to_numpy(dtype=float)[rows].ravel(),
            "n_obs": np.repeat(exposures.topdown["n_obs"].to_numpy(dtype=int)[rows], k),
        }
    )
    # a bottom-up average that is NaN (no stock with a beta) is outside any interval
    frame["disagree"] = np.isfinite(frame["lower"]) & ~frame["bottom_up"].between(frame["lower"], frame["upper"])
    return frame[WINDOW_COLUMNS]
