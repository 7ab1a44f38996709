"""The cells of a table file, shared by the careful reader (:mod:`analytics.data.tables`) and the
typed fast path (:mod:`analytics.data.typed`): the :class:`Table` both return, a CSV's layout and
header, Parquet columns as text, the clean-up every table gets, and pyarrow's memory pool.

Why a module of its own: the careful reader chooses the fast path and the fast path falls back
to the careful reader's rules; with these pieces below both, neither imports the other back.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics.data.text import first_line, sniff_separator
from analytics.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "MISSING_CODES",
    "CsvLayout",
    "Table",
    "csv_layout",
    "finish_table",
    "header_cells",
    "memory_pool",
    "parquet_frame",
    "release_arrow_memory",
    "text_column",
]

#: Text cells read as missing (Yahoo Finance writes ``null``). Numbers are never missing by
#: themselves: a -99.99 in a percent file is a real wipe-out. Numeric missing codes (the Ken
#: French library's -99.99 and -999) are missing only where a reader or the user declares
#: them (``tables.to_numbers(..., missing=...)``).
MISSING_CODES = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "#n/a"})
_EUROPEAN_NUMBER = re.compile(r"(?<![\d.])-?\d+,\d+(?![\d,])")


@dataclass(frozen=True)
class Table:
    """A file's cells as text, with the header cleaned and what we assumed while reading.

    A table read ``typed`` holds float64 columns where the file's cells are clean numbers
    (exactly what :func:`~analytics.data.tables.to_numbers` makes of their text, blanks as NaN); other columns are text.
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


def header_cells(text: str, sep: str) -> list[str]:
    """The header row's cells exactly as written (quotes resolved, names not de-duplicated)."""
    rows = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
    return next((row for row in rows if any(cell.strip() for cell in row)), [])


def parquet_frame(path: Path) -> pd.DataFrame:
    """A Parquet file's columns, dates stored as the index (pandas' habit) as a column."""
    import pyarrow.dataset as ds

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
    out: pd.DataFrame = frame  # pyarrow is untyped
    return out


def text_column(column: pd.Series[Any]) -> pd.Series[str]:
    """A Parquet column as the text cells of a CSV: dates as ``YYYY-MM-DD``, missing as blank.

    Converted once per distinct value: a panel's million rows hold a few hundred dates and a
    few thousand ids, and each distinct text is then one shared string.
    """
    codes: np.ndarray = np.arange(len(column))
    uniques: np.ndarray | pd.Index[Any] = column.to_numpy()
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
    frame.columns = pd.RangeIndex(frame.shape[1])
    text = list(np.flatnonzero((frame.dtypes == object).to_numpy()))
    if frame[text].isna().any().any():
        frame = frame.fillna({i: "" for i in text})  # short rows: pandas leaves NaN in the missing cells
    blank = frame.isna().to_numpy()
    if text:
        blank[:, text] = (frame[text] == "").to_numpy()
    keep = [i for i, c in enumerate(names) if not (c.startswith("Unnamed:") and blank[:, i].all())]
    if len(keep) < len(names):
        frame, blank, names = frame[keep], blank[:, keep], [names[i] for i in keep]
    empty_rows = np.asarray(blank.all(axis=1))
    if empty_rows.any():
        frame = frame.loc[~empty_rows]
    frame.columns = names
    if frame.empty:
        raise InputError(f"{name}: has a header but no data rows.")
    dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
    if dupes:
        raise InputError(f"{name}: column {dupes[0]!r} appears twice; rename one of them.")
    return Table(frame, name, tuple(notes), first_row)


@cache
def memory_pool() -> pa.MemoryPool:
    """The pyarrow memory pool typed reads allocate from: jemalloc returning freed memory to the
    system at once, where pyarrow has it. The default pool (mimalloc) keeps what pyarrow's
    worker threads freed, and a panel read held its file's size twice over for nothing."""
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # pyarrow built without jemalloc (Windows)
        return pa.default_memory_pool()
    pa.jemalloc_set_decay_ms(0)
    return pool


def release_arrow_memory() -> None:
    """Give the memory pyarrow freed back to the system now."""
    memory_pool().release_unused()
