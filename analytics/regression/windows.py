"""Regressions of several series over several date windows, in one vectorized fit.

Both the split-window betas of the Fund regression tab (the chapter's before/after
comparison) and the per-holdings-window top-down regressions of the exposures tab are the
same computation: each (window, series) pair becomes one column, masked outside its window,
and :class:`~analytics.regression.FactorModel` fits all of them at once (columns with the
same sample share one factorization).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.regression.model import FactorModel

__all__ = ["Window", "window_fits"]

#: A window's first and last date (inclusive); None leaves that end open.
Window = tuple[pd.Timestamp | None, pd.Timestamp | None]


def window_fits(
    y: pd.DataFrame,
    x: pd.DataFrame,
    windows: list[Window],
    *,
    freq: str,
    model: str,
    periods_per_year: int | None = None,
) -> pd.DataFrame:
    """One row per (window, series): ``window_start, window_end, series, const, <factors>, r2, n_obs``.

    ``y`` holds excess returns; only dates it shares with ``x`` are used. A pair with too few observations for the model
    keeps NaN coefficients and reports its ``n_obs``; its window bounds are the series' own
    first and last date inside the window.
    """
    dates = y.index.intersection(x.index)
    y, x = y.loc[dates], x.loc[dates]
    pairs, columns = [], {}
    for i, (lo, hi) in enumerate(windows):
        keep = np.ones(len(dates), dtype=bool)
        if lo is not None:
            keep &= dates >= lo
        if hi is not None:
            keep &= dates <= hi
        for name in y.columns:
            key = f"{i}:{name}"
            pairs.append((key, name))
            columns[key] = y[name].where(keep & x.notna().all(axis=1).to_numpy())
    frame = pd.DataFrame(columns, index=dates)
    enough = frame.notna().sum() >= x.shape[1] + 2
    fit = None
    if enough.any():
        fit = FactorModel(
            frame.loc[:, enough], x, freq=freq, model=model, excess=True, periods_per_year=periods_per_year
        ).fit()
    factors = list(x.columns)
    rows = []
    for key, name in pairs:
        span = frame[key].dropna().index
        row = {
            "window_start": span[0] if len(span) else pd.NaT,
            "window_end": span[-1] if len(span) else pd.NaT,
            "series": name,
        }
        if fit is not None and key in fit.params.index:
            row |= fit.params.loc[key].to_dict() | {"r2": fit.rsquared[key], "n_obs": int(fit.nobs[key])}
        else:
            row |= dict.fromkeys(["const", *factors, "r2"], np.nan) | {"n_obs": len(span)}
        rows.append(row)
    return pd.DataFrame(rows, columns=["window_start", "window_end", "series", "const", *factors, "r2", "n_obs"])
