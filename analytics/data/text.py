"""Open a user's file safely: what kind of file it is, and its text, whole and unchanged.

Every reader starts here. :func:`sniff` looks at the path and the first bytes only (a
pickle is refused, loading one runs code; a binary, sparse or oversized file fails at once
instead of freezing the app) and gives the readers a cheap look at the first lines or rows,
which is all they may use to decide whether a file is theirs. :func:`read_text` then reads
and decodes a text file whole, refusing NUL bytes anywhere in it (a partly copied file: its
rows would silently join other rows), and reads it again when it changed while being read
(a file still being written gives wrong numbers, not an error, if read once).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from analytics.errors import InputError

__all__ = ["MAX_BYTES", "Sniffed", "Text", "first_line", "read_text", "sniff", "text_rows"]

MAX_BYTES = 2 * 1024**3
SNIFF_BYTES = 64 * 1024
#: Lines (text) or rows (workbooks) a reader may look at to decide whether a file is its kind.
SNIFF_ROWS = 60
# Chunks read while checking for NUL bytes: large enough to be fast, small enough to stop early.
_CHUNK = 16 * 1024**2
# Places probed for NUL bytes before a big file is read whole, so a damaged one fails at once.
_PROBES = 16
_PICKLE_MAGIC = re.compile(rb"^\x80[\x02-\x05]")


@dataclass(frozen=True)
class Sniffed:
    """What a reader may look at to recognise its files: the path and the first lines or rows.

    ``container`` is ``text``, ``xlsx``, ``zip`` (a zip that is not a workbook), ``parquet``
    or ``folder``. ``rows`` are the first rows as cells (CSV split by the sniffed separator,
    workbook cells as text, a Parquet file's column names); ``lines`` the first text lines.
    """

    path: Path
    container: str
    lines: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    separator: str = ","

    @property
    def name(self) -> str:
        """The file name, for messages."""
        return self.path.name


@dataclass(frozen=True)
class Text:
    """A text file's whole content (line ends as ``\\n``) and what was assumed to read it."""

    text: str
    source: str
    notes: tuple[str, ...] = ()


def sniff(path: str | Path) -> Sniffed:
    """Recognise ``path``'s container from its first bytes and read its first lines or rows."""
    path = Path(path)
    if path.is_dir():
        return Sniffed(path, "folder")
    head = _head(path)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if head.startswith(b"PAR1"):
        return Sniffed(path, "parquet", rows=(_parquet_columns(path),))
    text, _ = _decode(head, path, partial=True)
    lines = tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:SNIFF_ROWS])
    separator = sniff_separator([line for line in lines if line.strip()])
    rows = tuple(tuple(r) for r in csv.reader(lines, delimiter=separator, skipinitialspace=True))
    return Sniffed(path, "text", lines, rows, separator)


def read_text(path: str | Path) -> Text:
    """The decoded text of ``path``; NUL bytes are an error naming their place, and a file that
    changed while it was read is read once more (and refused if it changes again)."""
    path = Path(path)
    head = _head(path)
    before = _stamp(path)
    data = _read_checked(path, head)
    notes: list[str] = []
    if _stamp(path) != before:
        notes.append(f"{path.name}: changed while it was being read; read it again.")
        head, before = _head(path), _stamp(path)
        data = _read_checked(path, head)
        if _stamp(path) != before:
            raise InputError(
                f"{path.name}: is still being written (it changed twice while being read); wait until "
                "it is complete and open it again."
            )
    text, decode_notes = _decode(data, path, partial=False)
    if "\x00" in text:  # UTF-16 files hold NUL bytes as text, so look again after decoding
        _refuse_nul(path, text.encode("utf-8"), text.index("\x00"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Text(text, path.name, tuple(notes + decode_notes))


def text_rows(text: str, separator: str) -> list[list[str]]:
    """Every line's cells, quotes resolved; rows may have different lengths (preambles, footers)."""
    return list(csv.reader(io.StringIO(text), delimiter=separator, skipinitialspace=True))


def sniff_separator(lines: list[str]) -> str:
    """The separator that splits the first lines into the same, largest count of cells."""
    best, best_count = ",", 0
    for sep in (",", ";", "\t", "|"):
        counts = {line.count(sep) for line in lines[:20]}
        count = lines[0].count(sep) if lines else 0
        if count > best_count and len(counts) == 1:
            best, best_count = sep, count
    if best_count == 0 and lines:
        for sep in (",", ";", "\t"):
            if lines[0].count(sep):
                return sep
    return best


def first_line(exc: BaseException) -> str:
    """An exception's first line, for messages that quote a library's complaint."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _head(path: Path) -> bytes:
    """The first bytes, after the checks that need no more: exists, a file, size, pickle, .xls."""
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: file not found; check the path.")
    if path.is_dir():
        raise InputError(f"{name}: is a folder, not a file; choose a CSV or Excel file.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path.name}: file is empty.")
    if size > MAX_BYTES:
        raise InputError(
            f"{path.name}: {size / 1024**3:.1f} GB is over the 2 GB limit; split the file or save it as Parquet."
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            if size > 2 * SNIFF_BYTES and not head.startswith((b"PK\x03\x04", b"PAR1")):
                # A text file's tail is text too; a sparse or truncated file ends in NULs
                # and is refused here, before its whole size is read into memory.
                fh.seek(size - SNIFF_BYTES)
                if fh.read(SNIFF_BYTES).count(0) > 0.9 * SNIFF_BYTES:
                    raise InputError(
                        f"{path.name}: ends in empty (NUL) bytes, so it is binary, sparse or cut off; "
                        "choose a CSV, Excel or Parquet file."
                    )
    except PermissionError:
        raise InputError(f"{name}: permission denied; make the file readable or copy it.") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror}).") from None
    if _PICKLE_MAGIC.match(head) or path.suffix.lower() in {".pkl", ".pickle"}:
        raise InputError(
            f"{path.name}: this is a Python pickle; FactorDesk never opens pickles because loading "
            "one can run code. Save the data as CSV or Excel instead."
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path.name}: old Excel .xls format; save it as .xlsx or CSV.")
    return head


def _stamp(path: Path) -> tuple[int, int]:
    """Size and modification time: what changes when someone writes to the file."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _read_checked(path: Path, head: bytes) -> bytes:
    """The whole file; for 8-bit text, NUL bytes anywhere are refused as soon as they are seen."""
    try:
        if _encoding(head, path).startswith("utf-16"):
            return path.read_bytes()
        size = path.stat().st_size
        with path.open("rb") as fh:
            if size > _PROBES * _CHUNK:
                _probe_nuls(fh, path, size)
                fh.seek(0)
            parts: list[bytes] = []
            offset = 0
            while chunk := fh.read(_CHUNK):
                at = chunk.find(b"\x00")
                if at >= 0:
                    _refuse_nul(path, b"".join(parts) + chunk, offset + at)
                parts.append(chunk)
                offset += len(chunk)
            return b"".join(parts)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}).") from None


def _probe_nuls(fh: io.BufferedReader, path: Path, size: int) -> None:
    """Look for NUL bytes at a few places of a big file before reading it whole."""
    for i in range(_PROBES):
        fh.seek(i * size // _PROBES)
        if b"\x00" in fh.read(SNIFF_BYTES):
            raise InputError(
                f"{path.name}: holds empty (NUL) bytes near byte {i * size // _PROBES:,}: the file is binary "
                "or was only partly copied; copy or export it again."
            )


def _refuse_nul(path: Path, data: bytes, at: int) -> None:
    line = data.count(b"\n", 0, at) + 1
    raise InputError(
        f"{path.name}: holds empty (NUL) bytes at byte {at:,} (line {line:,}): the file is binary or was "
        "only partly copied; copy or export it again."
    )


def _encoding(head: bytes, path: Path) -> str:
    """The text encoding the first bytes show; binary data is refused."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" not in head:
        return "utf-8-sig"
    odd_nuls = head[1::2].count(0) > 0.4 * len(head[1::2])
    even_nuls = head[0::2].count(0) > 0.4 * len(head[0::2])
    if odd_nuls != even_nuls:
        return "utf-16-le" if odd_nuls else "utf-16-be"
    try:  # text with a hole of NULs (a partly copied file): the read names the hole's place
        codecs.getincrementaldecoder("utf-8")().decode(head.replace(b"\x00", b""), final=False)
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: binary data, not a text table; choose a CSV, Excel or Parquet file.") from None
    return "utf-8-sig"


def _decode(data: bytes, path: Path, *, partial: bool) -> tuple[str, list[str]]:
    """Decode ``data``; ``partial``: it is only the file's head, so a character cut at its end
    is not an error."""
    notes: list[str] = []
    encoding = _encoding(data[:SNIFF_BYTES], path)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(data, final=not partial)
    except UnicodeDecodeError:
        if encoding != "utf-8-sig":
            raise InputError(f"{path.name}: not valid {encoding} text; save it as UTF-8 CSV.") from None
        text = data.decode("cp1252", errors="replace")
        notes.append(f"{path.name}: not UTF-8; read as Windows-1252 text.")
    if encoding.startswith("utf-16"):
        notes.append(f"{path.name}: read as UTF-16 text.")
    return text.lstrip("\ufeff"), notes


def _sniff_zip(path: Path) -> Sniffed:
    """A workbook (its first sheet's first rows) or another zip (its member names as rows)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        what = "Excel" if path.suffix.lower() in {".xlsx", ".xlsm"} else "zip"
        raise InputError(f"{path.name}: not a readable {what} file ({first_line(exc)}).") from None
    if "[Content_Types].xml" not in names:
        return Sniffed(path, "zip", rows=tuple((n,) for n in names))
    return Sniffed(path, "xlsx", rows=_workbook_head(path))


def _workbook_head(path: Path) -> tuple[tuple[str, ...], ...]:
    """The first rows of the first sheet as text, read in openpyxl's streaming mode."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 -- openpyxl raises many types for corrupt files
        raise InputError(f"{path.name}: not a readable Excel file ({first_line(exc)}).") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(max_row=SNIFF_ROWS, values_only=True)
        return tuple(tuple("" if v is None else str(v) for v in row) for row in rows)
    finally:
        book.close()


def _parquet_columns(path: Path) -> tuple[str, ...]:
    import pyarrow.parquet as pq

    try:
        return tuple(pq.read_schema(path).names)
    except Exception as exc:  # noqa: BLE001 -- pyarrow raises its own types for corrupt files
        raise InputError(f"{path.name}: not a readable Parquet file ({first_line(exc)}).") from None
