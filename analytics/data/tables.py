"""Read a user's table file (CSV, Excel, Parquet) into text cells.

Why not just ``pd.read_csv``: users hand us whatever they have. The bytes are opened by
:mod:`analytics.data.text` (pickles refused, binary, sparse or damaged files failing at once,
encodings detected); here UTF-16 and European CSVs (``;`` separator, ``,`` decimal) are read
with a note saying so, and every later error can name a file row. Cells stay text here;
:func:`to_numbers` converts columns and names the first bad cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.text import first_line, read_text, sniff, sniff_separator
from analytics.errors import InputError

__all__ = ["Table", "read_table", "to_numbers", "MISSING_CODES", "MISSING_NUMBERS"]

#: Text cells read as missing. -99.99 and -999 are the Ken French library's missing codes.
MISSING_CODES = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "#n/a"})
#: Numbers read as missing: the Ken French library's codes.
MISSING_NUMBERS = (-99.99, -999.0)
_EUROPEAN_NUMBER = re.compile(r"(?<![\d.])-?\d+,\d+(?![\d,])")


@dataclass(frozen=True)
class Table:
    """A file's cells as text, with the header cleaned and what we assumed while reading."""

    frame: pd.DataFrame
    source: str
    notes: tuple[str, ...] = ()
    #: File row (1-based, as a spreadsheet shows it) of the data row whose index label is 0;
    #: ``frame``'s integer index counts data rows in the file, blank ones included.
    first_row: int = 2

    def row_label(self, position: int) -> str:
        """The spreadsheet row number of the data row at ``position`` (blank rows skipped)."""
        return f"row {self.first_row + int(self.frame.index[position])}"


def read_table(path: str | Path, *, sheet: str | int | None = None) -> Table:
    """Read CSV, TSV, Excel (.xlsx) or Parquet from ``path`` into a :class:`Table`."""
    path = Path(path)
    sniffed = sniff(path)
    if sniffed.container == "folder":
        raise InputError(f"{path}: is a folder, not a file; choose a CSV or Excel file.")
    if sniffed.container == "zip":
        raise InputError(f"{path.name}: is a zip archive, not a table; unzip it and open the file inside.")
    if sniffed.container == "xlsx":
        return _read_excel(path, sheet)
    if sniffed.container == "parquet":
        return _read_parquet(path)
    text = read_text(path)
    return _read_csv_text(text.text, text.source, list(text.notes))


def _read_csv_text(text: str, name: str, notes: list[str]) -> Table:
    all_lines = text.splitlines()
    lines = [line for line in all_lines[:50] if line.strip()]
    if not lines:
        raise InputError(f"{name}: file has no text.")
    leading_blank = all_lines.index(lines[0])
    sep = sniff_separator(lines)
    decimal = "."
    if sep == ";" and any(_EUROPEAN_NUMBER.search(line) for line in lines[1:]):
        decimal = ","
        notes.append(f"{name}: read as a European CSV (';' separator, ',' decimal comma).")
    try:
        # Blank lines are kept (as empty rows, dropped later) so the index counts file rows.
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True,
            skip_blank_lines=False, skiprows=leading_blank,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"{name}: not a readable table ({first_line(exc)}).") from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas silently turns the extra leading cells of over-long rows into an index.
        raise InputError(
            f"{name}: {_first_long_row(text, sep)} has more cells than the header's "
            f"{frame.shape[1]} columns; name every column or remove the extra cells."
        )
    header = _header_cells(text, sep)
    if len(header) == frame.shape[1]:
        # Undo pandas' renaming of a repeated name to 'A.1', so that _finish refuses it.
        frame.columns = [cell if cell.strip() else col for cell, col in zip(header, frame.columns)]
    if decimal == ",":
        frame = frame.apply(lambda col: col.str.replace(",", ".", regex=False))
    return _finish(frame, name, notes, first_row=leading_blank + 2)


def _header_cells(text: str, sep: str) -> list[str]:
    """The header row's cells exactly as written (quotes resolved, names not de-duplicated)."""
    rows = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
    return next((row for row in rows if any(cell.strip() for cell in row)), [])


def _first_long_row(text: str, sep: str) -> str:
    """The file row (1-based) of the first row with more cells than the header."""
    rows = [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=1) if r]
    width = len(rows[0][1])
    return next((f"row {i}" for i, r in rows[1:] if len(r) > width), "a row")


def _read_excel(path: Path, sheet: str | int | None) -> Table:
    try:
        cells = pd.read_excel(
            path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object, engine="openpyxl"
        )
    except ValueError as exc:
        raise InputError(f"{path.name}: {first_line(exc)}; name an existing sheet.") from None
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise InputError(f"{path.name}: not a readable Excel file ({first_line(exc)}).") from None
    cells = cells.map(_excel_cell_text)
    filled = np.flatnonzero((cells != "").any(axis=1).to_numpy())
    if filled.size == 0:
        raise InputError(f"{path.name}: the sheet is empty.")
    # The header is the first non-empty sheet row; repeated names stay repeated (and are refused).
    header_row = int(filled[0])
    frame = cells.iloc[header_row + 1 :]
    frame.columns = [h or f"Unnamed: {j}" for j, h in enumerate(cells.iloc[header_row])]
    return _finish(frame, path.name, [], first_row=1)


def _excel_cell_text(value: object) -> str:
    """Excel cells as text; datetimes as ISO so that date parsing has one path."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, dt.date | np.datetime64):  # datetime and Timestamp are dates too
        return pd.Timestamp(value).isoformat()
    return str(value)


def _read_parquet(path: Path) -> Table:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise InputError(f"{path.name}: not a readable Parquet file ({first_line(exc)}).") from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()  # pandas stores a DatetimeIndex (the dates) as the index
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%d")
    return _finish(frame.astype(str).replace({"nan": "", "None": "", "NaT": ""}), path.name, [])


def _finish(frame: pd.DataFrame, name: str, notes: list[str], first_row: int = 2) -> Table:
    frame = frame.fillna("")
    frame.columns = [str(c).strip() for c in frame.columns]
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:") and (frame[c] == "").all()]
    frame = frame.drop(columns=unnamed)
    frame = frame.loc[~(frame == "").all(axis=1)]
    if frame.empty:
        raise InputError(f"{name}: has a header but no data rows.")
    dupes = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if dupes:
        raise InputError(f"{name}: column {dupes[0]!r} appears twice; rename one of them.")
    return Table(frame, name, tuple(notes), first_row)


def to_numbers(table: Table, columns: list[str]) -> pd.DataFrame:
    """Convert ``columns`` to floats; missing codes become NaN, any other text is an error.

    The error names the file, the spreadsheet row and the column of the first bad cell.
    """
    out = {}
    for col in columns:
        text = table.frame[col].astype(str).str.strip()
        missing = text.str.lower().isin(MISSING_CODES)
        values = pd.to_numeric(text.where(~missing, None), errors="coerce")
        bad = values.isna() & ~missing
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            cell = text.iloc[pos]
            raise InputError(
                f"{table.source}: {table.row_label(pos)}, column {col!r}: {cell!r} is not a number; "
                "fix the cell or leave it blank."
            )
        if np.isinf(values).any():
            pos = int(np.flatnonzero(np.isinf(values.to_numpy()))[0])
            raise InputError(
                f"{table.source}: {table.row_label(pos)}, column {col!r}: infinite value; "
                "fix the cell or leave it blank."
            )
        values = values.to_numpy(dtype=float)
        values[np.isin(values, MISSING_NUMBERS)] = np.nan
        out[col] = values
    return pd.DataFrame(out, index=table.frame.index)
