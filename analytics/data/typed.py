"""Typed reading: a clean CSV's or Parquet file's numeric columns straight to floats.

Why: the careful reader (:func:`analytics.data.tables.read_table`) turns every cell into text
first (bytes, str, lines, a frame of strings, then numbers), which took 21 s and 1.8 GB for
a 120 MB CSV of 2,000 daily funds that pyarrow's multithreaded reader types in about a
second. Why not pyarrow alone: users' files are messy, and the careful reader's rules and
messages are the product. So this is a fast path for clean files that gives up wherever the
result could differ: :func:`read_typed` returns None, or a column stays text, and the careful
rules apply as before. What it gives up on:

- files that are not plain UTF-8 (UTF-16, Windows-1252: the careful reader notes them), with
  NUL bytes anywhere (refused there with their place), with European decimals, with blank
  lines before the header, or whose header has a blank or repeated name;
- files whose rows pyarrow cannot split as the careful reader does: ragged rows, text
  cells starting with a space or holding quotes or line breaks where quoting rules could
  differ;
- files that change while they are read (compared by size and modification time);
- numeric columns with a cell pyarrow cannot read as a number, or an infinite one
  (``1e400`` is "not a number" to the careful reader): that column is read again as text.

A column is read as numbers unless it is the first column or is named like a date or an id
(``date``, ``permno``...), or its first rows hold text or whole numbers only: ids, years and
``YYYYMM`` dates stay text exactly as written. Blank cells (and the text missing codes in a
numeric column) are NaN, as :func:`~analytics.data.tables.to_numbers` makes them.
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.data.cells import (
    MISSING_CODES,
    Table,
    csv_layout,
    finish_table,
    header_cells,
    memory_pool,
    parquet_frame,
    release_arrow_memory,
    text_column,
)
from analytics.data.column_names import DATE_NAMES, ID_NAMES

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["read_typed", "read_typed_csv", "read_typed_parquet"]

#: Columns kept as text whatever they hold: dates and ids are compared as written.
TEXT_NAMES = frozenset(DATE_NAMES) | frozenset(ID_NAMES)
#: The head a CSV's layout and column types are decided from (the careful reader's 50 lines).
HEAD_LINES = 51
_HEAD_BYTES = 64 * 1024**2
_CHUNK = 16 * 1024**2
#: Times a column that turned out not to be numbers is read again as text, before giving up.
_RETRIES = 8
#: Text columns put into the numbers' frame one by one at most (pandas warns of fragmentation
#: from 100 blocks on); more are joined as one frame.
_MAX_INSERTS = 50
#: Arrow memory freed while numbers are copied out is given back to the system every so often.
_RELEASE_BYTES = 8 * 1024**2
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", re.ASCII)
_WHOLE = re.compile(r"[-+]?\d+", re.ASCII)
# Line breaks str.splitlines() knows besides \r and \n: the careful reader's line count and
# pyarrow's would differ.
_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CONVERSION = re.compile(r"In CSV column #(\d+): CSV conversion error to double: invalid value '(.*)'$", re.DOTALL)
#: The missing codes as files spell them, read as missing by pyarrow in numeric columns.
_NULL_SPELLINGS = sorted({v for code in MISSING_CODES for v in (code, code.upper(), code.title())})


def read_typed(path: Path, container: str) -> Table | None:
    """``path`` (a sniffed ``text`` or ``parquet`` file) read typed, or None for the careful reader."""
    if container == "parquet":
        return read_typed_parquet(path)
    return read_typed_csv(path) if container == "text" else None


def read_typed_parquet(path: Path) -> Table:
    """A Parquet file with its float64 columns kept as numbers and the others as the careful
    reader's text (float32 columns too: their text is the shortest decimal, not the float64)."""
    frame = parquet_frame(path)
    for i, name in enumerate(frame.columns):
        column = frame.iloc[:, i]
        if not (column.dtype == np.float64 and i > 0 and str(name).strip().lower() not in TEXT_NAMES):
            frame.isetitem(i, text_column(column).to_numpy())  # in place: the number columns are not copied
    return finish_table(frame, path.name, [])


def read_typed_csv(path: Path) -> Table | None:
    """A CSV read by pyarrow (see the module docstring), or None when the careful reader must
    read it."""
    before = _stamp(path)
    head, quotes = _head_text(path), _scan(path)
    if head is None or quotes is None:
        return None
    layout = csv_layout(head, path.name)
    if layout.decimal != "." or layout.leading_blank:
        return None
    names = [c.strip() for c in header_cells(head, layout.separator)]
    if not all(names) or len(set(names)) < len(names):
        return None
    numeric = _numeric_columns(head, layout.separator, names)
    frame = _read_columns(path, layout.separator, names, numeric, quotes, _block_size(head))
    if frame is None or _stamp(path) != before:
        return None
    return finish_table(frame, path.name, [])


def _head_text(path: Path) -> str | None:
    """The first lines of a plain UTF-8 file (enough for its layout), line ends as ``\\n``."""
    with path.open("rb") as fh:
        data = fh.read(1024**2)
        while _line_count(data) < HEAD_LINES:
            more = fh.read(len(data)) if len(data) < _HEAD_BYTES else None
            if more is None:
                return None  # lines too long to be a table of numbers
            if not more:
                break
            data += more
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=False)
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff") or _ODD_BREAKS.search(text):
        return None  # a second byte-order mark; line breaks only the careful reader counts
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_count(data: bytes) -> int:
    return max(data.count(b"\n"), data.count(b"\r"))


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _block_size(head: str) -> int:
    """Bytes pyarrow parses at a time: about 2,000 rows, from 1 to 16 MB. Small blocks keep the
    parser's memory low; a wide file's (2,000 funds) still holds enough rows per block that its
    columns are not cut into thousands of pieces."""
    line = len(head) / max(head.count("\n"), 1)
    return int(min(max(line * 2000, 1024**2), 16 * 1024**2))


def _scan(path: Path) -> bool | None:
    """Whether the file holds quote characters; None when it holds a NUL byte (the careful
    reader refuses it, naming the place)."""
    quotes = False
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if b"\x00" in chunk:
                return None
            quotes = quotes or b'"' in chunk
    return quotes


def _numeric_columns(head: str, sep: str, names: list[str]) -> set[int]:
    """Columns read as numbers: not the first, not named like a date or id, and the head's
    cells all numbers (not all whole numbers) or missing."""
    lines = head.split("\n")[: HEAD_LINES - 1]
    rows = list(csv.reader(lines, delimiter=sep, skipinitialspace=True))[1:]
    numeric = set()
    for j, name in enumerate(names):
        if j == 0 or name.lower() in TEXT_NAMES:
            continue
        cells = [c for row in rows if j < len(row) and (c := row[j].strip()) and c.lower() not in MISSING_CODES]
        whole = bool(cells) and all(_WHOLE.fullmatch(c) for c in cells)
        if not whole and all(_NUMBER.fullmatch(c) for c in cells):
            numeric.add(j)
    return numeric


def _read_columns(
    path: Path, sep: str, names: list[str], numeric: set[int], quotes: bool, block: int
) -> pd.DataFrame | None:
    """pyarrow's multithreaded read as a frame; a numeric column that holds other text, or an
    infinite value, is read again as text."""
    import pyarrow as pa

    nulls = [""]
    for _ in range(_RETRIES):
        try:
            table = _arrow_read(path, sep, len(names), numeric, nulls, quotes, block)
        except pa.ArrowInvalid as exc:
            found = _CONVERSION.search(str(exc))
            if found is None:
                return None  # not a table pyarrow splits as the careful reader does
            column, value = int(found.group(1)), found.group(2)
            if value in _NULL_SPELLINGS and nulls == [""]:
                nulls = _NULL_SPELLINGS
            else:
                numeric = numeric - {column}
            continue
        release_arrow_memory()  # the parser's buffers, before the numbers are copied out
        columns = _text_cells(table, numeric, quotes)
        if columns is None or _unsure_blank_rows(columns, numeric, codes=nulls != [""]):
            return None
        del table
        frame, infinite = _frame(columns, names, numeric)
        release_arrow_memory()
        if not infinite:
            return frame
        numeric = numeric - infinite
    return None


def _arrow_read(
    path: Path, sep: str, width: int, numeric: set[int], nulls: list[str], quotes: bool, block: int
) -> pa.Table:
    """pyarrow's table of the file (columns ``c0``, ``c1``...): ``numeric`` columns as float64
    with ``nulls`` missing, the others as text; parsed ``block`` bytes at a time."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{j}" for j in range(width)]
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block),
        parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=quotes, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.float64() if j in numeric else pa.string() for j, n in enumerate(names)},
            null_values=nulls,
            strings_can_be_null=False,
        ),
        memory_pool=memory_pool(),
    )


def _text_cells(table: pa.Table, numeric: set[int], quotes: bool) -> list[pa.ChunkedArray] | None:
    """The table's columns with text cells as the careful reader's: leading spaces skipped
    (pandas' skipinitialspace); None when quoting could make a text cell read differently."""
    import pyarrow.compute as pc

    columns = list(table.columns)
    for j, column in enumerate(columns):
        if j in numeric:
            continue
        if quotes:
            odd = pc.or_(pc.starts_with(column, " "), pc.match_substring_regex(column, '["\r\n]'))
            if pc.any(odd).as_py():
                return None
        elif pc.any(pc.starts_with(column, " ")).as_py():
            columns[j] = pc.utf8_ltrim(column, characters=" ", memory_pool=memory_pool())
    return columns


def _unsure_blank_rows(columns: list[pa.ChunkedArray], numeric: set[int], *, codes: bool) -> bool:
    """Whether a row looks blank (empty text, missing numbers) without being sure to be blank to
    the careful reader: a ``nan`` cell, or a missing code (``,NA,NA``), is text there, and such
    a row is kept rather than dropped. The first column is text, so rows with text are skipped
    first and the numbers of the few others looked at."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = [c for j, c in enumerate(columns) if j not in numeric]
    empty = pc.equal(text[0], "")
    for column in text[1:]:
        empty = pc.and_(empty, pc.equal(column, ""))
    if not pc.any(empty).as_py():
        return False
    numbers = [c for j, c in enumerate(columns) if j in numeric]
    if not numbers:
        return False
    rows = pa.table(numbers, names=[str(k) for k in range(len(numbers))]).filter(empty)
    looks = sure = pa.array(np.ones(rows.num_rows, dtype=bool))
    for column in rows.columns:
        looks, sure = pc.and_(looks, pc.is_null(column, nan_is_null=True)), pc.and_(sure, pc.is_null(column))
    return pc.any(looks).as_py() and (codes or pc.any(pc.and_not(looks, sure)).as_py())


def _frame(columns: list[pa.ChunkedArray | None], names: list[str], numeric: set[int]) -> tuple[pd.DataFrame, set[int]]:
    """The pandas frame: the numeric columns as one float64 block, filled column by column as
    pyarrow's are let go (the file's numbers are never held twice), then the text columns put
    in their places (each distinct text one shared string); and the numeric columns holding an
    infinite value."""
    order = sorted(numeric)
    first = columns[0] if columns else None
    block = np.empty((len(order), 0 if first is None else len(first)))
    freed = 0
    for k in range(len(order) - 1, -1, -1):
        column = columns[order[k]]
        assert column is not None  # each number column is let go once, after it is copied
        block[k] = column.to_numpy()
        columns[order[k]] = None
        freed += block[k].nbytes
        if freed > _RELEASE_BYTES:
            release_arrow_memory()
            freed = 0
    infinite = {order[k] for k in np.flatnonzero(np.isinf(block).any(axis=1))}
    frame = pd.DataFrame(block.T, columns=[names[j] for j in order])
    text = {
        j: column.to_pandas(memory_pool=memory_pool())
        for j, column in enumerate(columns)
        if j not in numeric and column is not None
    }
    if len(text) > _MAX_INSERTS:  # many text columns: joined as one frame, then put in order (a copy)
        text_frame = pd.DataFrame({names[j]: cells for j, cells in text.items()})
        return pd.concat([frame, text_frame], axis=1)[names], infinite
    for j, cells in text.items():
        frame.insert(j, names[j], cells)
    return frame, infinite
