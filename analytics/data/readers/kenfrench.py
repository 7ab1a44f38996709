"""Ken French data library files as distributed (CSV or ``_CSV.zip``), and zipped CSVs.

A library CSV is a few description lines, then a table whose header row starts with an empty
cell (``,Mkt-RF,SMB,HML,RF``) and whose rows start with a ``YYYYMM`` (monthly files) or
``YYYYMMDD`` (daily files) date; a monthly file then has a blank line, an ``Annual Factors:
January-December`` line and an annual table; every file ends with a copyright line. Values
are percent, and -99.99 and -999 mean "missing". We read the *first* table (the monthly
table of a monthly file, the daily table of a daily file) and stop at the first row that is
not dated like the table's first row, which skips the annual section and the copyright line
however they are written. Users re-save these files, so the same layout is accepted with a
``date``/``Date`` header cell, description lines padded with commas, day-first dates
(``30/12/2022``), newest rows first, or the ``Annual Factors:,`` line kept.

A file is the library's when a table of that shape follows description lines (with the
library's ``YYYYMM``/``YYYYMMDD`` dates, or words of its descriptions: CRSP, Fama, French...)
or its header starts with an empty cell above library dates; then the values are percent
(declared, not guessed) and the missing codes apply. A plain table of the user's (``date``
header on the first line) is read by the plain reader, where -99.99 is a number.

The library serves each file as a zip holding that one CSV; any zip holding one CSV is read
here (a plain CSV inside goes to the plain returns path), and a zip without one is refused
with its contents listed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.data.readers import Reader
from analytics.data.returns import (
    KENFRENCH_MISSING,
    ReadOptions,
    ReturnsData,
    as_dataset,
    published_returns,
    returns_from_table,
)
from analytics.data.tables import Table, read_csv_text
from analytics.data.text import MAX_BYTES, Sniffed, read_text
from analytics.errors import InputError
from analytics.factors import KENFRENCH_ALIASES

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["MISSING", "READERS", "KenFrenchTable", "find_table", "read_kenfrench_text", "zip_csv_text"]

#: The library's missing-data codes (percent), as its files say: "-99.99 or -999".
MISSING = KENFRENCH_MISSING
_DATE_SHAPES = {
    "yyyymm": re.compile(r"^\d{6}$"),
    "yyyymmdd": re.compile(r"^\d{8}$"),
    "slash": re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"),
    "iso": re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"),
    "dotted": re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"),
}
_LIBRARY_DATES = ("yyyymm", "yyyymmdd")
_DATE_HEADERS = ("", "date", "dates")
# Words of the library's description lines ("This file was created by CMPT_ME_BEME_RETS using
# the 202104 CRSP database.", "Missing data are indicated by -99.99 or -999.").
_LIBRARY_WORDS = re.compile(r"CMPT_|CRSP|Fama|French|Ibbotson|Bloomberg database|-99\.99")


@dataclass(frozen=True)
class KenFrenchTable:
    """Where the first table sits among a file's rows (0-based, ``end`` exclusive), and
    whether the file is the library's (description lines before it, or an empty first
    header cell)."""

    header: int
    end: int
    library: bool


def _shape(cell: str) -> str | None:
    cell = cell.strip()
    return next((name for name, pattern in _DATE_SHAPES.items() if pattern.match(cell)), None)


def _cells(row: list[str] | tuple[str, ...]) -> list[str]:
    """The row's cells stripped, without the empty cells a re-save pads lines with."""
    cells = [c.strip() for c in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_header(row: list[str] | tuple[str, ...], following: list[str] | tuple[str, ...]) -> bool:
    cells = _cells(row)
    return (
        len(cells) >= 2
        and cells[0].lower() in _DATE_HEADERS
        and all(cells[1:])
        and _shape(cells[1]) is None
        and bool(following)
        and _shape(following[0]) is not None
    )


def find_table(rows: list[list[str]] | tuple[tuple[str, ...], ...]) -> KenFrenchTable | None:
    """The first dated table of a Ken French-shaped file, or None when there is none."""
    for i in range(len(rows) - 1):
        if not _is_header(rows[i], rows[i + 1]):
            continue
        description = " ".join(",".join(row) for row in rows[:i] if any(c.strip() for c in row))
        shape = _shape(rows[i + 1][0])
        end = i + 1
        while end < len(rows) and rows[end] and _shape(rows[end][0]) == shape:
            end += 1
        library_dates = shape in _LIBRARY_DATES
        library = (bool(description) and (library_dates or bool(_LIBRARY_WORDS.search(description)))) or (
            _cells(rows[i])[0] == "" and library_dates
        )
        return KenFrenchTable(i, end, library)
    return None


def _rows(lines: list[str] | tuple[str, ...]) -> list[list[str]]:
    return list(csv.reader(lines, skipinitialspace=True))


def _accepts_text(sniffed: Sniffed) -> bool:
    if sniffed.container != "text":
        return False
    found = find_table(_rows(list(sniffed.lines)))
    return found is not None and found.library


def _accepts_zip(sniffed: Sniffed) -> bool:
    return sniffed.container == "zip"


def _table(rows: list[list[str]], found: KenFrenchTable, source: str) -> Table:
    """The first table's cells as a :class:`Table` whose rows are numbered as in the file."""
    header = _cells(rows[found.header])
    names = ["date", *header[1:]]
    width = len(names)
    body = []
    for offset, row in enumerate(rows[found.header + 1 : found.end]):
        cells = [c.strip() for c in row]
        if any(cells[width:]):
            line = found.header + 2 + offset
            raise InputError(
                f"{source}: row {line} has more cells than the header's {width} columns; remove the extra cells.",
                file=source,
                row=line,
            )
        body.append((cells + [""] * width)[:width])
    frame = pd.DataFrame(body, columns=names, dtype=str)
    return Table(frame, source, (), first_row=found.header + 2)


def read_kenfrench_text(text: str, source: str, options: ReadOptions, notes: tuple[str, ...] = ()) -> ReturnsData:
    """A Ken French file's text (``\\n`` line ends) to returns: its first table, percent, with
    the library's missing codes; the note says what was skipped."""
    rows = _rows(text.split("\n"))
    found = find_table(rows)
    if found is None:
        raise InputError(
            f"{source}: no Ken French table found: expected a header row such as ',Mkt-RF,SMB,HML,RF' followed "
            "by rows dated YYYYMM or YYYYMMDD.",
            file=source,
        )
    table = _table(rows, found, source)
    table = Table(table.frame, source, notes, table.first_row)
    declared = "percent" if found.library else "auto"
    missing = MISSING if found.library else ()
    data = published_returns(table, options, units=declared, aliases=KENFRENCH_ALIASES, missing=missing)
    described = sum(1 for row in rows[: found.header] if any(c.strip() for c in row))
    after = sum(1 for row in rows[found.end :] if any(c.strip() for c in row))
    skipped = ", ".join(
        part
        for part in (
            f"{described} description line(s)" if described else "",
            f"{after} line(s) after it (annual section, copyright)" if after else "",
        )
        if part
    )
    units = " values in percent, as the library publishes them;" if declared == "percent" else ""
    note = (
        f"{source}: read as a Ken French library file: its first ({data.freq}) table, file rows "
        f"{found.header + 2}-{found.end};{units} {skipped or 'nothing'} skipped."
    )
    return replace(data, notes=(note, *data.notes))


def zip_csv_text(data: bytes | Path, source: str) -> tuple[str, tuple[str, ...]]:
    """The text of the one CSV inside a zip (the library's ``_CSV.zip``), and decoding notes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX")]
            csvs = [m for m in members if m.filename.lower().endswith(".csv")]
            if len(csvs) != 1:
                listing = ", ".join(m.filename for m in members[:5]) or "nothing"
                what = "no CSV file" if not csvs else f"{len(csvs)} CSV files"
                fix = "open the CSV file itself" if not csvs else "unzip it and open one of them"
                raise InputError(f"{source}: the zip holds {what} ({listing}); {fix}.", file=source)
            if csvs[0].file_size > MAX_BYTES:
                raise InputError(f"{source}: the CSV inside is over the 2 GB limit; unzip it and save it as Parquet.")
            raw = archive.read(csvs[0])
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{source}: not a readable zip file ({exc}).", file=source) from None
    if b"\x00" in raw:
        raise InputError(f"{source}: the CSV inside holds empty (NUL) bytes; download or copy the zip again.")
    notes: tuple[str, ...] = ()
    try:
        text = codecs.decode(raw, "utf-8-sig")
    except UnicodeDecodeError:
        text, notes = raw.decode("cp1252", errors="replace"), (f"{source}: not UTF-8; read as Windows-1252 text.",)
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes


def _read_text_file(path: str | Path, **options: Any) -> Dataset:
    text = read_text(path)
    return as_dataset(read_kenfrench_text(text.text, text.source, ReadOptions.of(options), text.notes), path)


def _read_zip(path: str | Path, **options: Any) -> Dataset:
    """The zip's one CSV: a Ken French file, or a plain returns table."""
    path = Path(path)
    text, notes = zip_csv_text(path, path.name)
    opts = ReadOptions.of(options)
    found = find_table(_rows(text.split("\n")[:60]))
    if found is not None and found.library:
        return as_dataset(read_kenfrench_text(text, path.name, opts, notes), path)
    table = read_csv_text(text, path.name, list(notes), header_row=opts.header_row)
    return as_dataset(returns_from_table(table, **opts.table_options()), path)


READERS = (
    Reader("kenfrench-csv", "returns", "Ken French library CSV", _accepts_text, _read_text_file),
    Reader("zip-csv", "returns", "zipped CSV (Ken French _CSV.zip)", _accepts_zip, _read_zip),
)
