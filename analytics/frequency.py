"""Data frequency: detection from dates, periods per year, and date alignment.

Annualization uses the data's own frequency (12 for monthly, 252 for daily). Monthly series
from different sources are dated on different days of the same month (calendar month-end,
last business day, CRSP's last trading day), so monthly dates are moved to the calendar
month-end and series then align exactly by calendar month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.errors import InputError

__all__ = ["FREQUENCIES", "PERIODS_PER_YEAR", "detect_frequency", "normalize_dates", "resolve_frequency"]

PERIODS_PER_YEAR = {"daily": 252, "weekly": 52, "monthly": 12}
FREQUENCIES = tuple(PERIODS_PER_YEAR)


def detect_frequency(dates: pd.DatetimeIndex, source: str) -> str:
    """Daily, weekly or monthly from the typical gap between consecutive dates.

    Gaps of a whole missing month (a real quirk of some monthly files) keep a file monthly;
    a file whose gaps disagree (daily rows among monthly ones) is refused as mixed.
    """
    unique = dates.unique().sort_values()
    if len(unique) < 3:
        raise InputError(f"{source}: too few dates to tell the frequency; say which it is.", option="freq")
    gaps = np.diff(unique.asi8) / 86_400e9
    median = float(np.median(gaps))
    if median <= 5:
        freq, lo, hi = "daily", 0, 12
    elif 6 <= median <= 8:
        freq, lo, hi = "weekly", 5, 15
    elif 26 <= median <= 35:
        freq, lo, hi = "monthly", 20, 370
    else:
        raise InputError(
            f"{source}: dates are {median:.0f} days apart; FactorDesk reads daily, weekly or monthly data (say which).",
            option="freq",
        )
    odd = (gaps < lo) | (gaps > hi)
    if odd.mean() > 0.05 or (freq == "monthly" and odd.any()):
        i = int(np.flatnonzero(odd)[0])
        raise InputError(
            f"{source}: mixed frequencies: {unique[i].date()} and {unique[i + 1].date()} are "
            f"{gaps[i]:.0f} days apart in {freq} data; keep one frequency per file."
        )
    return freq


def normalize_dates(dates: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """Monthly dates move to their calendar month-end; others keep their day."""
    dates = pd.DatetimeIndex(dates).normalize()
    if freq == "monthly":
        return dates + pd.offsets.MonthEnd(0)
    return dates


def resolve_frequency(declared: str, dates: pd.DatetimeIndex, source: str) -> str:
    """The declared frequency, or the detected one when ``declared`` is ``auto``."""
    if declared == "auto":
        return detect_frequency(dates, source)
    if declared not in PERIODS_PER_YEAR:
        raise InputError(f"unknown frequency {declared!r}; use auto, {', '.join(FREQUENCIES)}.")
    return declared
