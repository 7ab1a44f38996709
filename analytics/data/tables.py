"""Read a user's table file (CSV, Excel, Parquet) into text cells, or typed where that is certain.

Why not just ``pd.read_csv``: users hand us whatever they have. The bytes are opened by
:mod:`analytics.data.text` (pickles refused, binary, sparse or damaged files failing at once,
encodings detected); here UTF-16 and European CSVs (``;`` separator, ``,`` decimal) are read
with a note saying so, and every later error can name a file row. Cells stay text here;
:func:`to_numbers` converts columns and names the first bad cell.

Reading every cell as text is slow for big files, so ``read_table(..., typed=True)`` reads
clean CSV and Parquet columns straight to floats (:mod:`analytics.data.typed`): the numbers
:func:`to_numbers` would give, much faster; anything that could read differently falls back
to the text cells above, so rules and messages are the same either way.
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

__all__ = [
    "MISSING_CODES",
    "CsvLayout",
    "Table",
    "csv_layout",
    "finish_table",
    "header_cells",
    "parquet_frame",
    "read_csv_text",
    "read_table",
    "text_column",
    "to_numbers",
]

#: Text cells read as missing (Yahoo Finance writes ``null``). Numbers are never missing by
#: themselves: a -99.99 in a percent file is a real wipe-out. Numeric missing codes (the Ken
#: French library's -99.99 and -999) are missing only where a reader or the user declares
#: them (``to_numbers(..., missing=...)``).
MISSING_CODES = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "#n/a"})
#: Columns a :func:`to_numbers` result shares with its table at most (more are copied into one
#: block; a frame of more than 100 separate blocks makes pandas warn and slow down).
_SHARED_COLUMNS = 64
_EUROPEAN_NUMBER = re.compile(r"(?<![\d.])-?\d+,\d+(?![\d,])")


@dataclass(frozen=True)
class Table:
    """A file's cells as text, with the header cleaned and what we assumed while reading.

    A table read ``typed`` holds float64 columns where the file's cells are clean numbers
    (exactly what :func:`to_numbers` makes of their text, blanks as NaN); other columns are text.
    """

    frame: pd.DataFrame
    source: str
    notes: tuple[str, ...] = ()
    #: File row (1-based, as a spreadsheet shows it) of the data row whose index label is 0;
    #: ``frame``'s integer index counts data rows in the file, blank ones included.
    first_row: int = 2

    def row_label(self, position: int) -> str:
        """The spreadsheet row number of the data row at ``position`` (blank rows skipped)."""
        return f"row {self.first_row + int(self.frame.index[position])}"


def read_table(path: str | Path, *, sheet: str | int | None = None, typed: bool = False) -> Table:
    """Read CSV, TSV, Excel (.xlsx) or Parquet from ``path`` into a :class:`Table`.

    ``typed``: clean numeric columns of a CSV or Parquet file come as floats (see
    :mod:`analytics.data.typed`), for callers that only pass them to :func:`to_numbers`.
    """
    path = Path(path)
    sniffed = sniff(path)
    if sniffed.container == "folder":
        raise InputError(f"{path}: is a folder, not a file; choose a CSV or Excel file.")
    if sniffed.container == "zip":
        raise InputError(f"{path.name}: is a zip archive, not a table; unzip it and open the file inside.")
    if sniffed.container == "xlsx":
        return _read_excel(path, sheet)
    if typed:
        from analytics.data.typed import read_typed

        table = read_typed(path, sniffed.container)
        if table is not None:
            return table
    if sniffed.container == "parquet":
        return _read_parquet(path)
    text = read_text(path)
    return read_csv_text(text.text, text.source, list(text.notes))


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV text is laid out, from its first 50 lines: separator, decimal mark, and the
    blank lines before its header."""

    separator: str
    decimal: str
    leading_blank: int


def csv_layout(text: str, name: str) -> CsvLayout:
    """The layout of ``text`` (the whole file, or at least its first 51 lines)."""
    all_lines = text.splitlines()
    lines = [line for line in all_lines[:50] if line.strip()]
    if not lines:
        raise InputError(f"{name}: file has no text.")
    sep = sniff_separator(lines)
    european = sep == ";" and any(_EUROPEAN_NUMBER.search(line) for line in lines[1:])
    return CsvLayout(sep, "," if european else ".", all_lines.index(lines[0]))


def read_csv_text(text: str, name: str, notes: list[str]) -> Table:
    """A CSV file's decoded text (e.g. the file inside a zip) as a :class:`Table`."""
    layout = csv_layout(text, name)
    sep = layout.separator
    if layout.decimal == ",":
        notes.append(f"{name}: read as a European CSV (';' separator, ',' decimal comma).")
    try:
        # Blank lines are kept (as empty rows, dropped later) so the index counts file rows.
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            skip_blank_lines=False,
            skiprows=layout.leading_blank,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"{name}: not a readable table ({first_line(exc)}).") from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas silently turns the extra leading cells of over-long rows into an index.
        raise InputError(
            f"{name}: {_first_long_row(text, sep)} has more cells than the header's "
            f"{frame.shape[1]} columns; name every column or remove the extra cells."
        )
    header = header_cells(text, sep)
    if len(header) == frame.shape[1]:
        # Undo pandas' renaming of a repeated name to 'A.1', so that finish_table refuses it.
        frame.columns = [cell if cell.strip() else col for cell, col in zip(header, frame.columns)]
    if layout.decimal == ",":
        frame = frame.apply(lambda col: col.str.replace(",", ".", regex=False))
    return finish_table(frame, name, notes, first_row=layout.leading_blank + 2)


def header_cells(text: str, sep: str) -> list[str]:
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
    except Exception as exc:  # noqa: BLE001 -- openpyxl raises many types for corrupt files
        raise InputError(f"{path.name}: not a readable Excel file ({first_line(exc)}).") from None
    cells = cells.map(_excel_cell_text)
    filled = np.flatnonzero((cells != "").any(axis=1).to_numpy())
    if filled.size == 0:
        raise InputError(f"{path.name}: the sheet is empty.")
    # The header is the first non-empty sheet row; repeated names stay repeated (and are refused).
    header_row = int(filled[0])
    frame = cells.iloc[header_row + 1 :]
    frame.columns = [h or f"Unnamed: {j}" for j, h in enumerate(cells.iloc[header_row])]
    return finish_table(frame, path.name, [], first_row=1)


def _excel_cell_text(value: object) -> str:
    """Excel cells as text; datetimes as ISO so that date parsing has one path."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, dt.date | np.datetime64):  # datetime and Timestamp are dates too
        return pd.Timestamp(value).isoformat()
    return str(value)


def _read_parquet(path: Path) -> Table:
    frame = parquet_frame(path)
    text = pd.DataFrame({i: text_column(frame.iloc[:, i]) for i in range(frame.shape[1])}, index=frame.index)
    text.columns = frame.columns
    return finish_table(text, path.name, [])


def parquet_frame(path: Path) -> pd.DataFrame:
    """A Parquet file's columns, dates stored as the index (pandas' habit) as a column."""
    import pyarrow.dataset as ds

    from analytics.data.typed import memory_pool, release_arrow_memory

    try:
        # Read through pyarrow.dataset, which takes the memory pool (pq.read_table does not);
        # split_blocks and self_destruct: each column is converted on its own and its Arrow
        # memory freed as it goes, so the file is never held twice.
        table = ds.dataset(path, format="parquet").to_table(memory_pool=memory_pool())
        frame = table.to_pandas(split_blocks=True, self_destruct=True, memory_pool=memory_pool())
        del table
    except Exception as exc:  # noqa: BLE001 -- pyarrow raises its own types for corrupt files
        raise InputError(f"{path.name}: not a readable Parquet file ({first_line(exc)}).") from None
    release_arrow_memory()
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()  # pandas stores a DatetimeIndex (the dates) as the index
    return frame


def text_column(column: pd.Series) -> pd.Series:
    """A Parquet column as the text cells of a CSV: dates as ``YYYY-MM-DD``, missing as blank.

    Converted once per distinct value: a panel's million rows hold a few hundred dates and a
    few thousand ids, and each distinct text is then one shared string.
    """
    codes, uniques = np.arange(len(column)), column.to_numpy()
    if column.dtype.kind not in "fc":  # floats are mostly distinct, and -0.0 and 0.0 hash alike
        try:
            codes, uniques = pd.factorize(column, use_na_sentinel=False)
        except TypeError:  # unhashable cells (nested Parquet types): convert every cell
            pass
    values = pd.Series(uniques)
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d")
    text = values.astype(str).replace({"nan": "", "None": "", "NaT": ""}).to_numpy(dtype=object)
    return pd.Series(text[codes] if len(text) else np.array([], dtype=object), index=column.index)


def finish_table(frame: pd.DataFrame, name: str, notes: list[str], first_row: int = 2) -> Table:
    """Clean the header, drop empty unnamed columns and blank rows, refuse repeated names.

    A cell is blank when it is empty text or, in a typed column, missing (NaN).
    """
    names = [str(c).strip() for c in frame.columns]
    frame = frame.copy(deep=False)  # columns by position: names may repeat (refused below)
    frame.columns = range(frame.shape[1])
    text = list(np.flatnonzero((frame.dtypes == object).to_numpy()))
    if frame[text].isna().any().any():
        frame = frame.fillna({i: "" for i in text})  # short rows: pandas leaves NaN in the missing cells
    blank = frame.isna().to_numpy()
    if text:
        blank[:, text] = (frame[text] == "").to_numpy()
    keep = [i for i, c in enumerate(names) if not (c.startswith("Unnamed:") and blank[:, i].all())]
    if len(keep) < len(names):
        frame, blank, names = frame[keep], blank[:, keep], [names[i] for i in keep]
    empty_rows = blank.all(axis=1)
    if empty_rows.any():
        frame = frame.loc[~empty_rows]
    frame.columns = names
    if frame.empty:
        raise InputError(f"{name}: has a header but no data rows.")
    dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
    if dupes:
        raise InputError(f"{name}: column {dupes[0]!r} appears twice; rename one of them.")
    return Table(frame, name, tuple(notes), first_row)


def to_numbers(table: Table, columns: list[str], *, missing: tuple[float, ...] = ()) -> pd.DataFrame:
    """Convert ``columns`` to floats; missing text codes and the declared ``missing`` numbers
    become NaN, any other text is an error.

    The error names the file, the spreadsheet row and the column of the first bad cell. The
    result's ``attrs["missing_codes"]`` counts the cells that held a declared missing number.
    Typed columns (float64, see :func:`read_table`) are already numbers and only checked. A
    result of a few columns shares the typed columns' memory with the table (neither is ever
    modified in place): a million-row panel is not copied to be converted.
    """
    out = {}
    codes = 0
    for col in columns:
        column = table.frame[col]
        values = column.to_numpy() if column.dtype == np.float64 else _parse_numbers(table, col)
        if np.isinf(values).any():
            pos = int(np.flatnonzero(np.isinf(values))[0])
            raise InputError(
                f"{table.source}: {table.row_label(pos)}, column {col!r}: infinite value; "
                "fix the cell or leave it blank."
            )
        coded = np.zeros(len(values), dtype=bool)
        for code in missing:
            coded |= values == code
        if coded.any():
            codes += int(coded.sum())
            values = np.where(coded, np.nan, values)
        out[col] = values
    index = table.frame.index
    if 0 < len(out) <= _SHARED_COLUMNS:
        frame = pd.concat([pd.Series(v, index=index, name=c, copy=False) for c, v in out.items()], axis=1, copy=False)
    else:  # thousands of funds: one block (pandas handles thousands of separate columns slowly)
        frame = pd.DataFrame(out, index=index)
    frame.attrs["missing_codes"] = codes
    return frame


def _parse_numbers(table: Table, col: str) -> np.ndarray:
    """A text column's numbers; the first cell that is not one (nor a missing code) is an error.

    pandas decides what is a number; the values are Python's (correctly rounded): pandas' own
    parser is off by one unit in the last place for many numbers of 15 or more digits.
    """
    text = table.frame[col].astype(str).str.strip()
    blank = text.str.lower().isin(MISSING_CODES).to_numpy()
    values = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & ~blank
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        cell = text.iloc[pos]
        shown = cell if len(cell) <= 80 else cell[:77] + "..."
        raise InputError(
            f"{table.source}: {table.row_label(pos)}, column {col!r}: {shown!r} is not a number; "
            "fix the cell or leave it blank."
        )
    try:
        values[~blank] = text.to_numpy()[~blank].astype(float)
    except ValueError:  # a number pandas reads and Python does not: keep pandas' value
        pass
    return values
