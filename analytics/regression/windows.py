"""Regressions of several series over several date windows, in one vectorized fit.

Both the split-window betas of the Fund regression tab (the chapter's before/after
comparison) and the per-holdings-window top-down regressions of the exposures tab are the
same computation: each (window, series) pair becomes one column, masked outside its window,
and :class:`~analytics.regression.FactorModel` fits all of them at once (columns with the
same sample share one factorization).
"""

from __future__ import annotations

from typing import Any

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
    errors: bool = False,
) -> pd.DataFrame:
    """One row per (window, series): ``window_start, window_end, series, const, <factors>, r2, n_obs``,
    and with ``errors`` the classic standard errors ``se_const, se_<factor>...`` after them.

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
    terms = ["const", *factors]
    rows: list[dict[str, Any]] = []
    for key, name in pairs:
        span = frame[key].dropna().index
        row: dict[str, Any] = {
            "window_start": span[0] if len(span) else pd.NaT,
            "window_end": span[-1] if len(span) else pd.NaT,
            "series": name,
        }
        if fit is not None and key in fit.params.index:
            row |= {str(term): value for term, value in fit.params.loc[key].items()}
            row |= {"r2": fit.rsquared[key], "n_obs": int(fit.nobs[key])}
            if errors:
                row |= {f"se_{term}": fit.bse.at[key, term] for term in terms}
        else:
            row |= dict.fromkeys([*terms, "r2"], np.nan) | {"n_obs": len(span)}
        rows.append(row)
    names = ["window_start", "window_end", "series", *terms, "r2", "n_obs"]
    return pd.DataFrame(rows, columns=names + ([f"se_{term}" for term in terms] if errors else []))
