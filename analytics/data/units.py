"""Percent or decimal returns: declared, or detected per column and said out loud.

Internally every return is a decimal (0.01 = 1%). Detection looks at each column's median
absolute return, whose scale differs by a factor of 100 between the two units and depends
on the frequency, and decides from the typical column. A median is not moved by a few odd
cells, so one damaged value (a cell cut while the file was written: ``-9.09283763e-05`` saved
as ``-9.09283763``) can never flip the units; it is found instead by :func:`out_of_line` and
reported with its column and date, or kept with a note when the caller asks
(``keep_outliers``). A column about a hundred times larger than the others (percent among
decimals), or a typical size between the two ranges, is refused with the option to pass.

Speed and memory: the columns' medians come from one selection per column (``partition`` of
a copy of that column, a block of columns at a time), not from ``nanmedian`` over the whole
frame, and cells are screened for being out of line a block at a time: 2,000 daily funds take
a tenth of a second and a few MB on top of the data.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import InputError

__all__ = ["UNITS", "out_of_line", "units_scale"]

UNITS = ("auto", "decimal", "percent")
# (decimal if median |r| below, percent if above), per frequency.
_THRESHOLDS = {"daily": (0.04, 0.1), "weekly": (0.08, 0.2), "monthly": (0.25, 0.4)}
#: A column votes on the units only with this many values (unless no column has them): the
#: median of a handful of returns says little.
_MIN_VOTE = 10
#: Data whose typical size is ambiguous are percent when a column has this many losses beyond
#: -100% (impossible as decimals).
_MIN_IMPOSSIBLE = 3
#: A column whose median is this many times the typical column's is in another unit.
_DISSENT = 30.0
#: A value this many times its column's typical size is out of line whatever its sign.
_ORDERS = 1000.0
#: A loss beyond -100% this many times the column's typical size is out of line.
_IMPOSSIBLE_RATIO = 10.0
#: Columns worked on at once: a copy of their absolute values (13 MB for 6,300 days × 256).
_BLOCK = 256


def units_scale(
    frame: pd.DataFrame, declared: str, freq: str, *, what: str, source: str, keep_outliers: bool = False
) -> tuple[float, str | None]:
    """The factor (1 or 0.01) that turns ``frame`` into decimals, and a note when detected.

    Values out of line with their column (see :func:`out_of_line`) raise an InputError naming
    the column and date, unless ``keep_outliers``: then they are kept and the note says so.
    They never decide the units.
    """
    if declared not in UNITS:
        raise InputError(
            f"unknown units {declared!r}; use {', '.join(UNITS)}.",
            option="factor_units" if what == "factors" else "units",
        )
    values = frame.to_numpy(dtype=float)
    sizes = None if frame.empty else _Sizes.of(values)
    if sizes is None or not sizes.finite.any():
        return (0.01 if declared == "percent" else 1.0), None
    if declared == "auto":
        scale, note = _detect(frame, values, sizes, freq, what, source)
    else:
        scale, note = (0.01 if declared == "percent" else 1.0), None
    flagged = _out_of_line(frame, values, sizes.typical, scale)
    if flagged.empty:
        return scale, note
    if not keep_outliers:
        first = flagged.iloc[0]
        raise InputError(
            _outlier_message(flagged, scale, what, source),
            option="keep_outliers",
            file=source,
            column=str(first["column"]),
        )
    first = flagged.iloc[0]
    kept = (
        f"{source}: kept {len(flagged)} {what} value(s) out of line with their column as asked "
        f"(first: column {first['column']!r} on {_when(first['date'])}: {first['value']:.6g})."
    )
    return scale, kept if note is None else f"{note} {kept}"


def out_of_line(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Cells out of line with the rest of their column by orders of magnitude.

    A cell is out of line when, scaled by ``scale`` to decimals, it is beyond +-100% and either
    at least 1000 times its column's typical size (the median absolute non-zero value) or a
    loss beyond -100% (impossible) at least 10 times that size; values within +-100% are
    plausible returns whatever the column's scale. Rows: ``date`` (the frame's index label),
    ``column``, ``value`` and ``typical``, in date order.
    """
    values = frame.to_numpy(dtype=float)
    return _out_of_line(frame, values, _Sizes.of(values).typical, scale)


def _out_of_line(frame: pd.DataFrame, values: np.ndarray, typical: np.ndarray, scale: float) -> pd.DataFrame:
    """:func:`out_of_line` given the columns' typical sizes. Only cells beyond about +-100%
    can be out of line: those are found and judged a block of columns at a time, so no array
    the size of the data is made."""
    found = [
        _hits(values[:, lo : lo + _BLOCK].T, typical[lo : lo + _BLOCK], scale, lo)
        for lo in range(0, values.shape[1], _BLOCK)
    ]
    cols, rows = (np.concatenate(each) for each in zip(*found)) if found else (np.zeros(0, int), np.zeros(0, int))
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    return pd.DataFrame(
        {
            "date": frame.index[rows],
            "column": frame.columns[cols],
            "value": values[rows, cols],
            "typical": typical[cols],
        }
    )


def _hits(columns: np.ndarray, typical: np.ndarray, scale: float, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns (counted from ``first``) and rows of the cells out of line in ``columns`` (one
    column of the frame per row: contiguous in a frame's memory)."""
    limit = 0.99 / scale  # every cell that may be beyond +-100% once scaled (judged exactly below)
    candidate = (columns > limit) | (columns < -limit)
    some = np.flatnonzero(candidate.any(axis=1))  # usually none
    cols, rows = np.nonzero(candidate[some])
    cols = some[cols]
    cell = columns[cols, rows]
    with np.errstate(all="ignore"):
        ratio = np.abs(cell) / typical[cols]
    decimals = cell * scale
    implausible = np.abs(decimals) > 1.0  # beyond +-100% in one period: rare but real, so not enough alone
    hit = np.isfinite(cell) & implausible & ((ratio >= _ORDERS) | ((decimals < -1.0) & (ratio >= _IMPOSSIBLE_RATIO)))
    return cols[hit] + first, rows[hit]


def _detect(
    frame: pd.DataFrame, values: np.ndarray, sizes: _Sizes, freq: str, what: str, source: str
) -> tuple[float, str]:
    """Decide the units from the typical column (the median of the column medians), so that
    neither a damaged cell nor a few wild columns (penny stocks) can swing it; a column about a
    hundred times larger than the typical one is a column in another unit, and refused."""
    lo, hi = _THRESHOLDS[freq]
    counts = sizes.finite
    voters = counts >= _MIN_VOTE if (counts >= _MIN_VOTE).any() else counts > 0
    medians = sizes.median
    typical = float(_medians(medians[voters]))
    option = "factor_units" if what == "factors" else "units"
    with np.errstate(all="ignore"):
        ratio = medians / typical if 0 < typical < np.inf else np.zeros_like(medians)
    odd = np.flatnonzero(voters & (ratio >= _DISSENT))
    if odd.size:
        raise InputError(
            f"{source}: {what} column {frame.columns[odd[0]]!r} is about {ratio[odd[0]]:.0f} times larger "
            f"than the others (median |return| {medians[odd[0]]:.3g} against {typical:.3g}): a column in percent "
            f"among decimals? Put the columns in one unit, or declare the units: percent or decimal.",
            option=option,
            file=source,
            column=str(frame.columns[odd[0]]),
        )
    if typical > hi or (typical >= lo and _impossible(values, voters)):
        return 0.01, f"{source}: {what} read as percent (median |return| {typical:.3g}); divided by 100."
    if typical < lo:
        return 1.0, f"{source}: {what} read as decimals (median |return| {typical:.3g})."
    raise InputError(
        f"{source}: cannot tell whether {what} are percent or decimals (median |return| {typical:.3g}); "
        "declare the units: percent or decimal.",
        option=option,
        file=source,
    )


def _outlier_message(flagged: pd.DataFrame, scale: float, what: str, source: str) -> str:
    first = flagged.iloc[0]
    unit = "%" if scale == 0.01 else ""
    loss = first["value"] * scale
    why = f"a loss of {-loss:.0%}, which is impossible" if loss < -1 else f"{first['typical']:.3g}{unit} is typical"
    more = f" ({len(flagged) - 1} more such value(s) follow)" if len(flagged) > 1 else ""
    return (
        f"{source}: {what} column {first['column']!r}, row dated {_when(first['date'])}: {first['value']:.9g} is "
        f"out of line with the rest of the column by orders of magnitude ({why}){more}; fix the cell (was the "
        "file cut or damaged while written?) or ask to keep outliers."
    )


def _when(label: object) -> str:
    return str(label.date()) if isinstance(label, pd.Timestamp) else str(label)


def _impossible(values: np.ndarray, voters: np.ndarray) -> bool:
    """Whether a voting column has at least :data:`_MIN_IMPOSSIBLE` losses beyond -100%."""
    return bool((np.count_nonzero(values < -1.0, axis=0)[voters] >= _MIN_IMPOSSIBLE).any())


@dataclass(frozen=True)
class _Sizes:
    """Per column: values that are finite, the median absolute value (NaN ignored, as numpy's
    ``nanmedian``) and the typical size (the median absolute non-zero finite value)."""

    finite: np.ndarray
    median: np.ndarray
    typical: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> _Sizes:
        """One selection per column: the absolute values of a block of columns are copied, and
        each column's copy partitioned at its middle ranks, which follow from its counts
        (zeros sort first, then finite values, then infinities and NaN)."""
        n, m = values.shape
        finite, median, typical = np.zeros(m, dtype=np.int64), np.full(m, np.nan), np.full(m, np.nan)
        with np.errstate(all="ignore"):
            for lo in range(0, m, _BLOCK):
                size = np.abs(values[:, lo : lo + _BLOCK].T, order="C")  # one column a contiguous row
                present = n - np.count_nonzero(np.isnan(size), axis=1)
                count = np.count_nonzero(np.isfinite(size), axis=1)
                zeros = np.count_nonzero(size == 0, axis=1)
                finite[lo : lo + len(size)] = count
                for i, row in enumerate(size):
                    ranks = {*_middle(int(present[i]), 0), *_middle(int(count[i] - zeros[i]), int(zeros[i]))}
                    if ranks:
                        row.partition(sorted(ranks))
                    median[lo + i] = _mid(row, int(present[i]), 0)
                    typical[lo + i] = _mid(row, int(count[i] - zeros[i]), int(zeros[i]))
        return cls(finite, median, typical)


def _middle(count: int, start: int) -> tuple[int, ...]:
    """Ranks of the middle value(s) of ``count`` sorted values from rank ``start``."""
    return (start + (count - 1) // 2, start + count // 2) if count else ()


def _mid(row: np.ndarray, count: int, start: int) -> float:
    """The median of ``count`` values from rank ``start`` of a partitioned row, as numpy's median
    (the mean of the two middle values, computed as their sum halved)."""
    if not count:
        return np.nan
    upper = row[start + count // 2]
    return float(upper) if count % 2 else float((row[start + (count - 1) // 2] + upper) / 2)


def _medians(size: np.ndarray) -> np.ndarray:
    """Column medians ignoring NaN; an empty column's is NaN (numpy's warning silenced), and
    absurd magnitudes (1e308) do not overflow."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        medians: np.ndarray = np.nanmedian(size, axis=0)
        return medians
