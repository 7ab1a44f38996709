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
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.data.cells import (
    MISSING_CODES,
    Table,
    csv_layout,
    finish_table,
    header_cells,
    parquet_frame,
    text_column,
)
from analytics.data.text import first_line, read_text, sniff
from analytics.errors import InputError

# Table, finish_table and MISSING_CODES are defined in analytics.data.cells and named here too:
# a reader's callers get the table type and its rules from the reader they call.
__all__ = ["MISSING_CODES", "Table", "finish_table", "read_csv_text", "read_table", "to_numbers"]

#: Columns a :func:`to_numbers` result shares with its table at most (more are copied into one
#: block; a frame of more than 100 separate blocks makes pandas warn and slow down).
_SHARED_COLUMNS = 64


def read_table(
    path: str | Path, *, sheet: str | int | None = None, typed: bool = False, header_row: int | None = None
) -> Table:
    """Read CSV, TSV, Excel (.xlsx) or Parquet from ``path`` into a :class:`Table`.

    ``typed``: clean numeric columns of a CSV or Parquet file come as floats (see
    :mod:`analytics.data.typed`), for callers that only pass them to :func:`to_numbers`.
    ``header_row``: the file (or sheet) row, 1-based, that names the columns, for a table
    below a preamble of title lines; by default the first row that holds anything.
    """
    path = Path(path)
    sniffed = sniff(path)
    if sniffed.container == "folder":
        raise InputError(f"{path}: is a folder, not a file; choose a CSV or Excel file.")
    if sniffed.container == "zip":
        raise InputError(f"{path.name}: is a zip archive, not a table; unzip it and open the file inside.")
    if sniffed.container == "xlsx":
        return _read_excel(path, sheet, header_row)
    if typed and header_row is None:  # the fast path reads tables whose header comes first
        from analytics.data.typed import read_typed

        table = read_typed(path, sniffed.container)
        if table is not None:
            return table
    if sniffed.container == "parquet":
        return _read_parquet(path)
    text = read_text(path)
    return read_csv_text(text.text, text.source, list(text.notes), header_row=header_row)


def read_csv_text(text: str, name: str, notes: list[str], *, header_row: int | None = None) -> Table:
    """A CSV file's decoded text (e.g. the file inside a zip) as a :class:`Table`; with
    ``header_row`` (1-based), the lines above that row are a preamble and are skipped."""
    above = 0
    if header_row is not None:
        text, above = _below_preamble(text, header_row, name), header_row - 1
        notes.append(f"{name}: table read from row {header_row}; the {above} row(s) above it skipped.")
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
            f"{name}: {_first_long_row(text, sep, above)} has more cells than the header's "
            f"{frame.shape[1]} columns; name every column or remove the extra cells."
        )
    header = header_cells(text, sep)
    if len(header) == frame.shape[1]:
        # Undo pandas' renaming of a repeated name to 'A.1', so that finish_table refuses it.
        frame.columns = [cell if cell.strip() else col for cell, col in zip(header, frame.columns)]
    if layout.decimal == ",":
        frame = frame.apply(lambda col: col.str.replace(",", ".", regex=False))
    return finish_table(frame, name, notes, first_row=above + layout.leading_blank + 2)


def _below_preamble(text: str, header_row: int, name: str) -> str:
    """The text from file row ``header_row`` on."""
    lines = text.split("\n")
    if not isinstance(header_row, int) or not 1 <= header_row <= len(lines):
        raise InputError(
            f"{name}: there is no row {header_row!r} to read the header from (the file has {len(lines)} rows).",
            option="header_row",
            file=name,
        )
    return "\n".join(lines[header_row - 1 :])


def _first_long_row(text: str, sep: str, above: int = 0) -> str:
    """The file row (1-based) of the first row with more cells than the header; ``text`` starts
    ``above`` rows into the file."""
    rows = [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=above + 1) if r]
    width = len(rows[0][1])
    return next((f"row {i}" for i, r in rows[1:] if len(r) > width), "a row")


def _read_excel(path: Path, sheet: str | int | None, header_row: int | None = None) -> Table:
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
    # The header is the first non-empty sheet row (or the one chosen); repeated names stay
    # repeated (and are refused).
    if header_row is not None and not (isinstance(header_row, int) and 1 <= header_row <= len(cells)):
        raise InputError(
            f"{path.name}: there is no row {header_row!r} to read the header from (the sheet has {len(cells)} rows).",
            option="header_row",
            file=path.name,
        )
    at = int(filled[0]) if header_row is None else header_row - 1
    frame = cells.iloc[at + 1 :]
    frame.columns = [h or f"Unnamed: {j}" for j, h in enumerate(cells.iloc[at])]
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
