"""Parse a date column written any of the ways our users' files write dates.

Supported, decided for the whole column at once (never cell by cell, which would silently
mix day-first and month-first): ISO ``2020-01-31`` (optionally with a time), US
``1/31/2020`` (day-first ``31/1/2020`` when a first part exceeds 12, with a note), European
``31.01.2020`` (always day-first, with a note),
Ken French ``YYYYMM`` and ``YYYYMMDD`` integers, ``YYYY-MM`` months and Excel serial numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.data.column_names import DATE_NAMES
from analytics.data.tables import Table
from analytics.errors import InputError

__all__ = ["DATE_NAMES", "ParsedDates", "date_style", "find_date_column", "parse_dates"]

_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("yyyymm", re.compile(r"^\d{6}$")),
    ("yyyymmdd", re.compile(r"^\d{8}$")),
    ("iso", re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")),
    ("iso-month", re.compile(r"^\d{4}-\d{1,2}$")),
    ("slash", re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")),
    ("dotted", re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")),
    ("excel", re.compile(r"^\d{5}(\.\d+)?$")),
)


@dataclass(frozen=True)
class ParsedDates:
    """Dates normalized to midnight, plus a note when we had to choose an interpretation."""

    values: pd.DatetimeIndex
    style: str
    note: str | None = None


def find_date_column(table: Table, preferred: str | None = None) -> str:
    """The date column: ``preferred`` if given, else a column named like a date."""
    columns = list(table.frame.columns)
    if preferred is not None:
        if preferred not in columns:
            raise InputError(f"{table.source}: no column {preferred!r}; columns are {', '.join(columns)}.")
        return preferred
    for col in columns:
        if col.strip().lower() in DATE_NAMES:
            return col
    first = columns[0]
    if date_style(_Cells.of(table.frame[first]).text) is not None:
        return first
    raise InputError(f"{table.source}: no date column; name the column 'date' (first column found: {first!r}).")


def parse_dates(table: Table, column: str) -> ParsedDates:
    """Parse ``table``'s ``column``; the error names the first cell that does not parse."""
    cells = _Cells.of(table.frame[column])
    blank = (cells.text == "").to_numpy()
    if blank.any():
        pos = cells.first_row(blank)
        raise InputError(f"{table.source}: {table.row_label(pos)}, column {column!r}: date is blank.")
    style = date_style(cells.text)
    if style is None:
        pos = _first_unmatched(cells)
        raise InputError(
            f"{table.source}: {table.row_label(pos)}, column {column!r}: {cells.at(pos)!r} is not a "
            "date; use YYYY-MM-DD, M/D/YYYY, D.M.YYYY, YYYYMM or YYYYMMDD."
        )
    values, note = _convert(cells, style, table, column)
    return ParsedDates(pd.DatetimeIndex(pd.DatetimeIndex(values).normalize().to_numpy()[cells.codes]), style, note)


def date_style(text: pd.Series[str]) -> str | None:
    """The one format every cell of ``text`` is written in (``yyyymm``, ``iso``, ``slash``...),
    or None when they share none."""
    for style, pattern in _FORMATS:
        if text.str.match(pattern.pattern).all():
            return style
    return None


@dataclass(frozen=True)
class _Cells:
    """A column's distinct cells as stripped text, and each row's distinct cell: a panel's
    million rows hold a few hundred dates, so each is matched and parsed once."""

    text: pd.Series[str]
    codes: np.ndarray

    @classmethod
    def of(cls, column: pd.Series[Any]) -> _Cells:
        if column.dtype == object and column.isna().any():
            column = column.astype(str)  # None is 'None' as text, not a missing value
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        return cls(pd.Series(uniques).astype(str).str.strip(), codes)

    def first_row(self, distinct: np.ndarray) -> int:
        """Position of the first row whose cell is one of the ``distinct`` (a mask of them)."""
        return int(np.flatnonzero(distinct[self.codes])[0])

    def at(self, pos: int) -> str:
        """The stripped text of the row at ``pos``."""
        return str(self.text.iloc[self.codes[pos]])


def _first_unmatched(cells: _Cells) -> int:
    """Position of the first cell that matches no format the majority could share."""
    rows = np.bincount(cells.codes, minlength=len(cells.text))
    matches = [cells.text.str.match(pattern.pattern).to_numpy() for _, pattern in _FORMATS]
    best = max(matches, key=lambda match: int(rows[match].sum()))
    return cells.first_row(~best)


def _convert(
    cells: _Cells, style: str, table: Table, column: str
) -> tuple[pd.Series[pd.Timestamp] | pd.DatetimeIndex, str | None]:
    """Each distinct cell's date; an error names the first row that is not a valid date."""
    text = cells.text
    note = None
    values: pd.Series[pd.Timestamp] | pd.DatetimeIndex
    if style == "yyyymm":
        values = pd.to_datetime(text, format="%Y%m", errors="coerce") + pd.offsets.MonthEnd(0)
    elif style == "yyyymmdd":
        values = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    elif style == "iso":
        values = pd.to_datetime(text, format="ISO8601", errors="coerce")
    elif style == "iso-month":
        values = pd.to_datetime(text, format="%Y-%m", errors="coerce") + pd.offsets.MonthEnd(0)
    elif style == "slash":
        parts = text.str.split("/", expand=True).astype(int)
        day_first = bool((parts[0] > 12).any())
        if day_first and (parts[1] > 12).any():
            pos = cells.first_row((parts[1] > 12).to_numpy())
            raise InputError(
                f"{table.source}: {table.row_label(pos)}, column {column!r}: dates mix day-first and "
                "month-first; use YYYY-MM-DD."
            )
        fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
        values = pd.to_datetime(text, format=fmt, errors="coerce")
        if day_first:
            note = f"{table.source}: dates read as day/month/year (a first part exceeds 12)."
    elif style == "dotted":
        values = pd.to_datetime(text, format="%d.%m.%Y", errors="coerce")
        note = f"{table.source}: dates read as day.month.year (the European convention)."
    else:
        serial = text.astype(float)
        values = pd.to_datetime("1899-12-30") + pd.to_timedelta(np.floor(serial), unit="D")
        note = f"{table.source}: column {column!r} read as Excel serial day numbers."
    bad = values.isna().to_numpy()
    if bad.any():
        pos = cells.first_row(bad)
        raise InputError(
            f"{table.source}: {table.row_label(pos)}, column {column!r}: {cells.at(pos)!r} is not a valid date."
        )
    return values, note
