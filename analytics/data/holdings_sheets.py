"""A holdings file as sheets of text cells, each row with the file row it came from.

Published holdings exports are not tables: a fund name and an "as of" line come first, the
header row sits somewhere below, sections may repeat their own header, and disclaimers
(sometimes one quoted cell spanning twenty lines) follow the positions. So a holdings file
is read here as rows of cells of any length, never as a rectangular table; finding the
header and the positions is :mod:`analytics.data.holdings_positions`' job. Each row keeps
the file row where it starts (a quoted cell may span lines) so that messages point at the
row a spreadsheet shows. The bytes are opened by :mod:`analytics.data.text` (pickles
refused, encodings detected, NUL bytes refused).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analytics.data.text import first_line, read_text, sniff
from analytics.errors import InputError

__all__ = ["Sheet", "read_sheets"]

_SEPARATORS = (",", ";", "\t", "|")
# A decimal comma after a separator: 0,5 or 1.234,56 (a ';' file written by European Excel).
_EUROPEAN_NUMBER = re.compile(r"(?:^|;)\s*\"?-?\d{1,3}(?:\.\d{3})*,\d+\"?\s*(?:;|$)")


@dataclass(frozen=True)
class Sheet:
    """One sheet (or text file) of a holdings file: its rows of text cells.

    ``lines[i]`` is the file row (1-based, as a spreadsheet shows it) where ``rows[i]`` starts;
    ``label`` is the file stem or sheet name (a date may be written in it); ``decimal`` is
    ``","`` for European text files; ``notes`` say how the bytes were read (UTF-16, ...).
    """

    rows: list[list[str]]
    lines: list[int]
    source: str
    label: str
    decimal: str = "."
    notes: tuple[str, ...] = ()


def read_sheets(path: str | Path, *, sheet: str | int | None = None) -> list[Sheet]:
    """Every sheet of a workbook (or the named one), or the one sheet of a CSV or Parquet file."""
    path = Path(path)
    sniffed = sniff(path)
    if sniffed.container == "folder":
        raise InputError(f"{path}: is a folder, not a file; choose a CSV or Excel file.")
    if sniffed.container == "zip":
        raise InputError(f"{path.name}: is a zip archive, not a holdings file; unzip it and open the file inside.")
    if sniffed.container == "xlsx":
        return _workbook_sheets(path, sheet)
    if sniffed.container == "parquet":
        return [_parquet_sheet(path)]
    return [_text_sheet(path)]


def _text_sheet(path: Path) -> Sheet:
    read = read_text(path)
    text, notes = read.text, list(read.notes)
    lines = text.split("\n")
    separator = _separator(lines[:60])
    decimal = "," if separator == ";" and any(_EUROPEAN_NUMBER.search(line) for line in lines[:200]) else "."
    if decimal == ",":
        notes.append(f"{path.name}: read as a European CSV (';' separator, ',' decimal comma).")
    reader = csv.reader(io.StringIO(text), delimiter=separator, skipinitialspace=True)
    rows, starts = [], []
    try:
        for row in reader:  # a row starts as many lines before its end as its cells hold line breaks
            rows.append(row)
            starts.append(reader.line_num - sum(cell.count("\n") for cell in row))
    except csv.Error as exc:
        raise InputError(f"{path.name}: row {reader.line_num}: not readable as CSV ({first_line(exc)}).") from None
    return Sheet(rows, starts, path.name, path.stem, decimal, tuple(notes))


def _separator(lines: list[str]) -> str:
    """The separator giving the widest row among the first lines (a preamble of one or two
    cells, then the table), so that a preamble does not hide the table's separator."""

    def widest(sep: str) -> int:
        return max((len(row) for row in csv.reader(lines, delimiter=sep)), default=0)

    return max(_SEPARATORS, key=lambda sep: (widest(sep), sep == ","))


def _workbook_sheets(path: Path, sheet: str | int | None) -> list[Sheet]:
    """The workbook's sheets as text, read in openpyxl's streaming mode."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (openpyxl raises many types for corrupt files)
        raise InputError(f"{path.name}: not a readable Excel file ({first_line(exc)}).") from None
    try:
        names = book.sheetnames
        if sheet is not None:
            chosen = names[sheet] if isinstance(sheet, int) and 0 <= sheet < len(names) else sheet
            if chosen not in names:
                raise InputError(f"{path.name}: no sheet {sheet!r}; the sheets are {', '.join(names)}.")
            names = [chosen]
        sheets = []
        for name in names:
            rows = [[_cell_text(v) for v in row] for row in book[name].iter_rows(values_only=True)]
            label = name if len(book.sheetnames) > 1 else path.stem
            source = f"{path.name} [{name}]" if len(book.sheetnames) > 1 else path.name
            sheets.append(Sheet(rows, list(range(1, len(rows) + 1)), source, label))
        return sheets
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A workbook cell as text: numbers exactly (repr round-trips), dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return "" if np.isnan(value) else repr(value)
    return str(value)


def _parquet_sheet(path: Path) -> Sheet:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 (pyarrow raises its own types for corrupt files)
        raise InputError(f"{path.name}: not a readable Parquet file ({first_line(exc)}).") from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame = frame.astype(object).where(frame.notna(), None)
    columns = [[_cell_text(v) for v in frame[c].tolist()] for c in frame.columns]
    rows = [[str(c) for c in frame.columns], *map(list, zip(*columns))]
    return Sheet(rows, list(range(1, len(rows) + 1)), path.name, path.stem)
