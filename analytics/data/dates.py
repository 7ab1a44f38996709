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

import numpy as np
import pandas as pd

from analytics.data.tables import Table
from analytics.errors import InputError

__all__ = ["ParsedDates", "parse_dates", "find_date_column"]

DATE_NAMES = ("date", "dates", "datadate", "caldt", "month", "period", "yyyymm", "time")

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
    if _style(table.frame[first].astype(str).str.strip()) is not None:
        return first
    raise InputError(
        f"{table.source}: no date column; name the column 'date' (first column found: {first!r})."
    )


def parse_dates(table: Table, column: str) -> ParsedDates:
    """Parse ``table``'s ``column``; the error names the first cell that does not parse."""
    text = table.frame[column].astype(str).str.strip()
    blank = text == ""
    if blank.any():
        pos = int(np.flatnonzero(blank.to_numpy())[0])
        raise InputError(f"{table.source}: {table.row_label(pos)}, column {column!r}: date is blank.")
    style = _style(text)
    if style is None:
        pos = _first_unmatched(text)
        raise InputError(
            f"{table.source}: {table.row_label(pos)}, column {column!r}: {text.iloc[pos]!r} is not a "
            "date; use YYYY-MM-DD, M/D/YYYY, D.M.YYYY, YYYYMM or YYYYMMDD."
        )
    values, note = _convert(text, style, table, column)
    return ParsedDates(pd.DatetimeIndex(values).normalize(), style, note)


def _style(text: pd.Series) -> str | None:
    for style, pattern in _FORMATS:
        if text.str.match(pattern).all():
            return style
    return None


def _first_unmatched(text: pd.Series) -> int:
    """Position of the first cell that matches no format the majority could share."""
    best = max(_FORMATS, key=lambda f: int(text.str.match(f[1]).sum()))
    return int(np.flatnonzero(~text.str.match(best[1]).to_numpy())[0])


def _convert(text: pd.Series, style: str, table: Table, column: str) -> tuple[pd.Series, str | None]:
    note = None
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
            pos = int(np.flatnonzero((parts[1] > 12).to_numpy())[0])
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
    bad = values.isna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{table.source}: {table.row_label(pos)}, column {column!r}: {text.iloc[pos]!r} is not a "
            "valid date."
        )
    return values, note
