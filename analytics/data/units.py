"""Percent or decimal returns: declared, or detected from magnitudes and said out loud.

Internally every return is a decimal (0.01 = 1%). Detection looks at the median absolute
return, whose scale differs by a factor of 100 between the two units and depends on the
frequency; a return below -100% is impossible in decimals. When the median falls between
the two ranges we refuse to guess and ask the user to declare the units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.errors import InputError

__all__ = ["UNITS", "units_scale"]

UNITS = ("auto", "decimal", "percent")
# (decimal if median |r| below, percent if above), per frequency.
_THRESHOLDS = {"daily": (0.04, 0.1), "weekly": (0.08, 0.2), "monthly": (0.25, 0.4)}


def units_scale(
    frame: pd.DataFrame, declared: str, freq: str, *, what: str, source: str
) -> tuple[float, str | None]:
    """The factor (1 or 0.01) that turns ``frame`` into decimals, and a note when detected."""
    if declared not in UNITS:
        raise InputError(f"unknown units {declared!r}; use {', '.join(UNITS)}.")
    if declared == "decimal" or frame.empty:
        return 1.0, None
    if declared == "percent":
        return 0.01, None
    values = np.abs(frame.to_numpy(dtype=float))
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 1.0, None
    with np.errstate(over="ignore"):  # absurd magnitudes (1e308) just read as percent
        median = float(np.median(values))
    lo, hi = _THRESHOLDS[freq]
    impossible = bool((frame.to_numpy(dtype=float) < -1.0).any())
    if impossible or median > hi:
        return 0.01, f"{source}: {what} read as percent (median |return| {median:.3g}); divided by 100."
    if median < lo:
        return 1.0, f"{source}: {what} read as decimals (median |return| {median:.3g})."
    flag = "--factor-units" if what == "factors" else "--units"
    raise InputError(
        f"{source}: cannot tell whether {what} are percent or decimals (median |return| {median:.3g}); "
        f"pass {flag} percent or decimal."
    )
