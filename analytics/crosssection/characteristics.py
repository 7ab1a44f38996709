"""Build the chapter's price-based characteristics from returns and market caps, lagged.

The cross-sectional regression of date t must use characteristics known before t (the
chapter's recipe: "characteristics as of date t-1, to avoid look-ahead bias"). Users who
only have returns and market caps get three standard ones, each computed from data up to
t-1 only:

- ``log_mcap_lag``: size, the log of last period's market cap (log ME_{t-1});
- ``mom_12_2``: momentum, the compounded return from t-12 to t-2 (11 periods, skipping the
  most recent one), NaN unless all 11 returns are present;
- ``ret_lag1``: short-term reversal, last period's return.

Periods are positions on the panel's date grid (for monthly panels every calendar month
from the first to the last, so a month with no rows still counts), never rows of one
stock, so a stock's missing month cannot shift its history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.frequency import detect_frequency
from analytics.jobs import Job, Progress

__all__ = ["BUILT", "BuiltCharacteristics", "build_characteristics", "build_characteristics_job"]

#: Built column → what it is (notes, tooltips).
BUILT = {
    "log_mcap_lag": "size: log of last period's market cap",
    "mom_12_2": "momentum: compounded return from t-12 to t-2",
    "ret_lag1": "short-term reversal: last period's return",
}
MOMENTUM_FIRST, MOMENTUM_LAST = 12, 2  # periods back


@dataclass(frozen=True)
class BuiltCharacteristics:
    """The panel with the built columns added, which columns they are, and what was assumed."""

    panel: pd.DataFrame
    columns: tuple[str, ...]
    notes: tuple[str, ...]


def _positions(dates: pd.Series[pd.Timestamp], source: str) -> tuple[np.ndarray, int]:
    """Each row's period on the date grid, and the grid's length: every calendar month for
    monthly panels (a month without rows still counts), else the panel's own dates."""
    unique = pd.DatetimeIndex(dates.unique()).sort_values()
    if detect_frequency(unique, source) == "monthly":
        months = dates.dt.year * 12 + dates.dt.month
        return (months - months.min()).to_numpy(), int(months.max() - months.min()) + 1
    return unique.get_indexer(dates), len(unique)


def build_characteristics(
    panel: pd.DataFrame, *, ret_col: str, cap_col: str | None, source: str = "the panel"
) -> BuiltCharacteristics:
    """Add ``log_mcap_lag`` (when ``cap_col`` is given), ``mom_12_2`` and ``ret_lag1`` to ``panel``.

    ``panel`` has ``date`` (datetime64, month-ends for monthly data), ``id`` and numeric
    columns; returns are decimals. Existing columns of the built names are refused rather
    than overwritten.
    """
    wanted = [c for c in BUILT if c != "log_mcap_lag" or cap_col is not None]
    clash = [c for c in wanted if c in panel.columns]
    if clash:
        raise InputError(f"{source}: already has a column {clash[0]!r}; the characteristics are built already.")
    for col, what in ((ret_col, "return"), (cap_col, "market cap")):
        if col is not None and col not in panel.columns:
            raise InputError(f"{source}: no {what} column {col!r}; columns are {', '.join(map(str, panel.columns))}.")
    position, periods = _positions(pd.to_datetime(panel["date"]).reset_index(drop=True), source)
    ids = pd.Index(panel["id"].astype(str).unique())
    column = ids.get_indexer(panel["id"].astype(str))  # type: ignore[no-untyped-call]  # untyped in pandas-stubs
    if len(np.unique(position * len(ids) + column)) < len(panel):
        raise InputError(f"{source}: an id appears twice at one date; keep one row per id and date.")

    def wide(col: str) -> np.ndarray:
        values = np.full((periods, len(ids)), np.nan)
        values[position, column] = pd.to_numeric(panel[col], errors="coerce").to_numpy(dtype=float)
        return values

    returns = wide(ret_col)
    built = {"ret_lag1": _lag(returns, 1), "mom_12_2": _momentum(returns)}
    notes = [
        "built characteristics, each from data up to the previous period only: "
        + "; ".join(f"{c} = {BUILT[c]}" for c in wanted)
        + "."
    ]
    if cap_col is not None:
        cap = wide(cap_col)
        bad = int(np.sum(cap <= 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            built["log_mcap_lag"] = _lag(np.where(cap > 0, np.log(cap), np.nan), 1)
        if bad:
            notes.append(f"{bad} market cap(s) of zero or less left out of log_mcap_lag.")
    out = panel.copy()
    for name in wanted:
        out[name] = built[name][position, column]
    notes.append(
        f"mom_12_2 needs all {MOMENTUM_FIRST - MOMENTUM_LAST + 1} returns from t-{MOMENTUM_FIRST} to "
        f"t-{MOMENTUM_LAST}: the first {MOMENTUM_FIRST} periods have none."
    )
    return BuiltCharacteristics(out, tuple(wanted), tuple(notes))


def _lag(values: np.ndarray, periods: int) -> np.ndarray:
    """``values`` moved ``periods`` rows down the grid (row t holds row t - periods)."""
    out = np.full_like(values, np.nan)
    out[periods:] = values[:-periods]
    return out


def _momentum(returns: np.ndarray) -> np.ndarray:
    """Row t: Π(1 + r) over rows t-12 .. t-2, minus 1 (NaN if any of them is missing)."""
    growth = np.ones_like(returns)
    for lag in range(MOMENTUM_LAST, MOMENTUM_FIRST + 1):
        growth *= 1 + _lag(returns, lag)
    return growth - 1


def build_characteristics_job(
    panel: pd.DataFrame, *, ret_col: str, cap_col: str | None, source: str = "the panel"
) -> Job[BuiltCharacteristics]:
    """:func:`build_characteristics` as a job (the GUI runs it off its thread)."""
    yield Progress(0.0, f"building characteristics of {source}")
    return build_characteristics(panel, ret_col=ret_col, cap_col=cap_col, source=source)
