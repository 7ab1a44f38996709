"""What a reader would decide about a file, shown before it is read: the preview behind File › Open.

A reader recognises its files from their first lines (see :mod:`analytics.data.readers`); the
same first lines show the choices it will make: which reader (so which kind of data), which
row is the header, which columns hold the dates, the ids, the returns or the weights, whether
returns are percent or decimals, the frequency. :func:`preview` says each choice and whether
it is certain. It asks (``Preview.uncertain``) only when the loader's own rule may be wrong
and the first rows show a plausible alternative (a title above the header, dates in a column
not named like dates, a long table that is a stock panel or long returns) or when it is a
toss-up (returns whose typical size fits percent and decimals alike); a file that simply
cannot be read is left to the loader's one clear message.

Every choice is one of the reader's keyword options (:class:`~analytics.data.returns.ReadOptions`
for returns, the holdings and panel loaders' own), so what the user chooses is what the data
set keeps in ``Dataset.options`` and a restored workspace reads the file the same way, never
asking or guessing again. The first rows are read by the loaders' own functions (the choices
are the loader's, not a second opinion), and never more than :func:`~analytics.data.text.sniff`
reads: the file itself is read once, when it is loaded.
"""

from __future__ import annotations

import csv
import inspect
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.data.dates import DATE_NAMES, date_style
from analytics.data.holdings_positions import header_roles, sheet_positions
from analytics.data.holdings_sheets import Sheet
from analytics.data.readers import Reader, _first_file, find_reader, reader_named, readers
from analytics.data.readers.kenfrench import find_table, read_kenfrench_text
from analytics.data.returns import ID_NAMES, RETURN_NAMES, ReadOptions, ReturnsData, returns_from_table
from analytics.data.tables import Table, finish_table, read_csv_text
from analytics.data.text import SNIFF_BYTES, SNIFF_ROWS, Sniffed, sniff, sniff_separator
from analytics.data.units import UNITS, units_scale
from analytics.errors import InputError
from analytics.factors import RF
from analytics.frequency import FREQUENCIES
from analytics.jobs import Job, Progress

__all__ = ["PREVIEW_ROWS", "Choice", "Preview", "preview", "preview_job"]

#: Rows a preview shows (more when the header sits further down: ten rows below it).
PREVIEW_ROWS = 20
#: Each layout's own units, which it declares instead of detecting them.
_LAYOUT_UNITS = {"kenfrench-csv": "percent", "qfactors": "percent", "aqr-workbook": "decimal"}
_NUMBER = re.compile(r"^[-+(]?[$€£]?\s*\d[\d,]*(\.\d*)?(e[-+]?\d+)?%?\)?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")


@dataclass(frozen=True)
class Choice:
    """One decision a reader makes that a user may need to change.

    ``name`` is the reader's keyword option (``reader`` for the reader itself); ``value`` what
    it will use (``None``: none, ``"auto"``: the loader decides as ``reason`` says);
    ``alternatives`` what the user may pick instead; ``option`` False for a choice that is
    shown but follows from the layout (or only picks the columns offered, as a holdings
    file's header row); ``chosen`` when the user (or a saved workspace) set it.
    """

    name: str
    label: str
    value: Any
    alternatives: tuple[Any, ...] = ()
    certain: bool = True
    reason: str = ""
    option: bool = True
    chosen: bool = False


@dataclass(frozen=True)
class _File:
    """What a preview looks at: the first rows of a file (a folder's first file; a zip's one
    CSV), whether they are the whole file, and the container they came from."""

    path: Path
    #: What the readers recognise the file by (a zip: its member names).
    sniffed: Sniffed
    folder: bool
    #: Whether the sniffed rows are the whole file (else the last one may be cut short).
    complete: bool
    #: The rows shown and analysed: ``sniffed``, or the first lines of a zip's one CSV.
    content: Sniffed

    @classmethod
    def of(cls, path: Path) -> _File:
        folder = path.is_dir()
        sniffed = sniff(_first_file(path) if folder else path)
        content, size = (sniffed, sniffed.path.stat().st_size) if sniffed.container != "zip" else _zip_head(sniffed)
        if content.container == "text":
            complete = size <= SNIFF_BYTES and len(content.lines) < SNIFF_ROWS
        else:
            complete = content.container == "xlsx" and len(content.rows) < SNIFF_ROWS
        return cls(path, sniffed, folder, complete, content)

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        """The first rows as text cells, without a last row that may be cut short."""
        rows = self.content.rows
        return rows if self.complete or self.content.container not in ("text", "xlsx") else rows[:-1]

    @property
    def lines(self) -> tuple[str, ...]:
        lines = self.content.lines
        return lines if self.complete else lines[:-1]


def _zip_head(sniffed: Sniffed) -> tuple[Sniffed, int]:
    """The first lines of the zip's one CSV (the library's ``_CSV.zip``) as a text file's, and
    its size; the zip's own listing when it holds no single CSV (the loader says why)."""
    try:
        with zipfile.ZipFile(sniffed.path) as archive:
            csvs = [m for m in archive.infolist() if m.filename.lower().endswith(".csv") and not m.is_dir()]
            csvs = [m for m in csvs if not m.filename.startswith("__MACOSX")]
            if len(csvs) != 1:
                return sniffed, 0
            with archive.open(csvs[0]) as member:
                head = member.read(SNIFF_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError):
        return sniffed, 0
    text = head.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = tuple(text.split("\n")[:SNIFF_ROWS])
    separator = sniff_separator([line for line in lines if line.strip()])
    rows = tuple(tuple(r) for r in csv.reader(lines, delimiter=separator, skipinitialspace=True))
    return Sniffed(sniffed.path, "text", lines, rows, separator), csvs[0].file_size


@dataclass(frozen=True)
class Preview:
    """A file's first rows and the choices its reader would make (see the module docstring).

    ``readers``: every reader that accepts the file, the chosen one first. ``rows``: the first
    rows as text (file rows from 1; for a folder, its first file's). :meth:`choose` gives the
    preview with the user's choices; :meth:`options` the keyword options that read the file
    that way: ``read_dataset(path, preview.kind, reader=preview.reader, **preview.options())``.
    """

    path: Path
    rows: tuple[tuple[str, ...], ...]
    readers: tuple[str, ...]
    choices: tuple[Choice, ...]
    #: The header row's index in ``rows`` (None for a container without one: a zip's members).
    header: int | None = None
    requested_kind: str | None = None
    #: Options saved with a data set that the preview shows no choice for (``sheet``,
    #: ``missing``, ``rescale``...): kept as they were.
    extra: Mapping[str, Any] = field(default_factory=dict)
    _file: _File | None = field(default=None, repr=False, compare=False)
    _fixed: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def reader(self) -> str:
        """The chosen reader's name."""
        return str(self.choice("reader").value)

    @property
    def kind(self) -> str:
        """The kind of data set the chosen reader makes."""
        return reader_named(self.reader).kind

    @property
    def source(self) -> str:
        """What the rows are from: the file's name (a folder's: its first file's, said so)."""
        if self._file is not None and self._file.folder:
            return f"{self.path.name} (first file: {self._file.sniffed.name})"
        if self._file is not None and self._file.content is not self._file.sniffed:
            return f"{self.path.name} (the CSV inside)"
        return self.path.name

    @property
    def uncertain(self) -> bool:
        """Whether to ask the user before reading the file."""
        return any(not c.certain for c in self.choices)

    def choice(self, name: str) -> Choice:
        """The choice called ``name``."""
        found = next((c for c in self.choices if c.name == name), None)
        if found is None:
            raise KeyError(f"{self.reader} makes no choice {name!r}; it makes {[c.name for c in self.choices]}")
        return found

    def questions(self) -> list[str]:
        """What the preview is not sure of, one sentence per choice."""
        return [f"{c.label}: {c.reason}" for c in self.choices if not c.certain]

    def unanswered(self) -> list[str]:
        """The labels of questions the preview has no proposal for (units it cannot tell, a
        weight column or an as-of date it cannot find): reading before they are answered
        would only fail with the loader's message."""
        return [c.label for c in self.choices if not c.certain and c.value in (None, "auto")]

    def choose(self, **values: Any) -> Preview:
        """The preview with the user's values for some choices (``reader=`` included)."""
        if self._file is None:
            raise ValueError("a preview made by hand cannot be re-derived")
        return _build(self._file, self.requested_kind, {**self._fixed, **values})

    def options(self) -> dict[str, Any]:
        """The reader's keyword options that read the file as the choices say: those the user
        set, and the uncertain ones the preview proposes (certain ones are the loader's own)."""
        options = dict(self.extra)
        for c in self.choices:
            if c.option and c.name != "reader" and (c.chosen or not c.certain) and c.value not in (None, "auto"):
                options[c.name] = c.value
        return options


def preview(path: str | Path, kind: str | None = None, *, reader: str | None = None, **options: Any) -> Preview:
    """The first rows of ``path`` (a file or folder) and the choices the reader of ``kind`` (or
    of any kind) would make; ``reader`` and ``options`` are choices already made (a saved
    workspace's), shown as chosen."""
    path = Path(path)
    if kind is not None:
        readers(kind)  # an unknown kind is an error listing the valid ones
    fixed = {**options, **({"reader": reader} if reader is not None else {})}
    return _build(_File.of(path), kind, fixed)


def preview_job(
    path: str | Path, kind: str | None = None, *, reader: str | None = None, **options: Any
) -> Job[Preview]:
    """:func:`preview` as a job, so that the GUI looks at files (a workbook, a network drive)
    off its thread."""
    yield Progress(0.0, f"looking at {Path(path).name}")
    return preview(path, kind, reader=reader, **options)


# --- building a preview ---------------------------------------------------------------
def _build(file: _File, kind: str | None, fixed: Mapping[str, Any]) -> Preview:
    reader_choice = _reader_choice(file, kind, fixed)
    reader = reader_named(reader_choice.value)
    analyse = _ANALYSES.get(reader.name) or _BY_KIND[reader.kind]
    choices = (reader_choice, *analyse(_Look(file, reader, fixed)))
    shown = {c.name for c in choices}
    extra = {k: v for k, v in fixed.items() if k in _accepted(reader) and k not in shown}
    header = next((int(c.value) - 1 for c in choices if c.name == "header_row" and c.value is not None), None)
    if header is None and file.content.container != "zip":
        header = next((i for i, row in enumerate(file.rows) if _filled(row)), None)
    rows = file.content.rows[: min(SNIFF_ROWS, max(PREVIEW_ROWS, (header or 0) + 11))]
    while rows and not _filled(rows[-1]):  # the empty line after the last line break
        rows = rows[:-1]
    names = tuple(reader_choice.alternatives)
    return Preview(file.path, rows, names, choices, header, kind, extra, _file=file, _fixed=dict(fixed))


@dataclass(frozen=True)
class _Look:
    """One reader's look at a file: the rows, the user's fixed choices, and helpers over them."""

    file: _File
    reader: Reader
    fixed: Mapping[str, Any]

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        return self.file.rows

    @property
    def source(self) -> str:
        return self.file.sniffed.name

    def given(self, name: str, allowed: tuple[Any, ...] | None = None) -> bool:
        """Whether the user fixed ``name`` (to one of ``allowed``, when given)."""
        return name in self.fixed and (allowed is None or self.fixed[name] in allowed)

    def chosen(self, name: str, label: str, alternatives: tuple[Any, ...] = (), option: bool = True) -> Choice:
        return Choice(name, label, self.fixed[name], alternatives, True, "as chosen", option, chosen=True)


def _reader_choice(file: _File, kind: str | None, fixed: Mapping[str, Any]) -> Choice:
    """Which reader reads the file: the user's, else the first that accepts it (of ``kind``);
    a plain table is judged by its first rows too (see :func:`_plain_kind`)."""
    usable = [r for r in readers() if (r.folders if file.folder else r.files)]
    accepting = [r for r in usable if r.accepts(file.sniffed)]
    of_kind = [r for r in accepting if kind is None or r.kind == kind]
    fallback = [] if of_kind or kind is None else [r for r in usable if r.kind == kind][-1:]
    ordered = list(dict.fromkeys([*of_kind, *fallback, *accepting]))
    if not ordered:
        find_reader(file.path, kind)  # raises the loader's own message
    names = tuple(r.name for r in ordered)
    if "reader" in fixed:
        name = str(fixed["reader"])
        reader_named(name)  # an unknown name is an error listing the valid ones
        return Choice("reader", "Read as", name, tuple(dict.fromkeys([name, *names])), True, "as chosen", chosen=True)
    first = ordered[0]
    specific = next((r for r in accepting if not r.name.startswith("table-")), None)
    if fallback and specific is None:  # nothing better to offer: the loader's message will say why
        return Choice("reader", "Read as", first.name, names, True, f"no {kind} layout recognised: read as a table")
    if kind is not None and specific is not None and specific is not first:
        reason = f"opened as {kind}, but it looks like {_a(specific.label)}: read it as that?"
        return Choice("reader", "Read as", specific.name, names, False, reason)
    if not first.name.startswith("table-"):
        return Choice("reader", "Read as", first.name, names, True, f"recognised: {_a(first.label)}")
    return _plain_kind(file, kind, first, ordered)


def _plain_kind(file: _File, kind: str | None, first: Reader, ordered: list[Reader]) -> Choice:
    """A plain table's kind. One whose dates never repeat is one column per series (returns),
    whatever its header says ('FUND' names a fund there, not ids); a long table with a return
    column is a stock panel or long returns: a toss-up unless the user said which."""
    names = tuple(r.name for r in ordered)
    if kind is not None:
        return Choice("reader", "Read as", first.name, names, True, f"opened as {kind}")
    if first.kind == "returns":
        return Choice("reader", "Read as", first.name, names, True, "a table of dated returns")
    look = _Look(file, first, {})
    header = _plain_header(look).value - 1
    dates = _date_cells(look.rows, header)
    if dates is not None and len(dates) >= 3 and dates.duplicated().mean() < 0.5 and first.kind != "portfolios":
        reason = "each row has its own date: one column per series"
        return Choice(
            "reader", "Read as", "table-returns", tuple(dict.fromkeys(["table-returns", *names])), True, reason
        )
    if first.kind == "panel" and _named(_columns(look, header), RETURN_NAMES):
        reason = "a long table with a return column: a stock panel, or returns in long form (date, id, return)?"
        return Choice("reader", "Read as", first.name, names, False, reason)
    return Choice("reader", "Read as", first.name, names, True, f"its header names {_a(first.label)}")


def _a(label: str) -> str:
    """``an ARK holdings export``, ``a price history``."""
    return f"{'an' if label[:1].lower() in 'aeio' else 'a'} {label}"


def _accepted(reader: Reader) -> frozenset[str]:
    """The keyword options ``reader`` takes (what a saved data set may carry for it)."""
    if reader.kind == "returns":
        return frozenset(f.name for f in fields(ReadOptions))
    from analytics.data.holdings import load_holdings
    from analytics.data.panel import panel_dataset, portfolios_dataset

    loaders: dict[str, Callable[..., Any]] = {"holdings": load_holdings, "panel": panel_dataset}
    function = loaders.get(reader.kind, portfolios_dataset)
    return frozenset(list(inspect.signature(function).parameters)[1:])


# --- plain tables: header, columns, sample --------------------------------------------
def _datum(cell: str) -> bool:
    """A cell holding a number or a date (never a column name)."""
    cell = cell.strip()
    return bool(_NUMBER.match(cell) or _DATE.match(cell))


def _filled(row: tuple[str, ...]) -> list[str]:
    return [c.strip() for c in row if c.strip()]


def _header_like(rows: tuple[tuple[str, ...], ...], i: int) -> bool:
    """Whether row ``i`` names columns: two or more names and no number or date among them, as
    wide as the rows below, and the next row holds numbers or dates."""
    names = _filled(rows[i])
    after = [r for r in rows[i + 1 :] if _filled(r)]
    if len(names) < 2 or any(_datum(c) for c in names) or not after or not any(_datum(c) for c in after[0]):
        return False
    return len(rows[i]) >= Counter(len(r) for r in after).most_common(1)[0][0]


def _plain_header(look: _Look) -> Choice:
    """The header row (1-based): the first row that holds anything, as the loader takes it,
    unless it does not name columns and a later row does (a title or notes above the table)."""
    rows = look.rows
    alternatives = tuple(range(1, len(rows) + 1))
    if look.given("header_row", alternatives):
        return look.chosen("header_row", "Header row", alternatives)
    first = next((i for i, row in enumerate(rows) if _filled(row)), 0)
    later = next((i for i in range(first + 1, len(rows)) if _header_like(rows, i)), None)
    if later is None or _header_like(rows, first):
        return Choice("header_row", "Header row", first + 1, alternatives, True, "the first row names the columns")
    reason = f"row {first + 1} does not name columns and row {later + 1} does: the rows above it are a title or notes?"
    return Choice("header_row", "Header row", later + 1, alternatives, False, reason)


def _sample_table(file: _File, header: int) -> Table | None:
    """The first rows below row ``header`` (0-based) as the loader's table, or None."""
    sniffed = file.content
    try:
        if sniffed.container == "text":
            return read_csv_text("\n".join(file.lines), sniffed.name, [], header_row=header + 1)
        if sniffed.container == "xlsx" and header < len(file.rows):
            names = [c.strip() or f"Unnamed: {j}" for j, c in enumerate(file.rows[header])]
            body = [(list(r) + [""] * len(names))[: len(names)] for r in file.rows[header + 1 :]]
            return finish_table(pd.DataFrame(body, columns=names, dtype=object), sniffed.name, [], header + 2)
    except InputError:
        return None
    return None


def _columns(look: _Look, header: int) -> tuple[str, ...]:
    rows = look.rows
    return tuple(c.strip() for c in rows[header] if c.strip()) if 0 <= header < len(rows) else ()


def _named(columns: tuple[str, ...], names: tuple[str, ...] | frozenset[str]) -> str | None:
    """The first of ``columns`` whose lower-cased name is one of ``names`` (in ``names``' order)."""
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _cells(table: Table, column: str) -> pd.Series[str]:
    cells = table.frame[column].astype(str).str.strip()
    return cells[cells != ""]


def _numeric(table: Table | None, columns: tuple[str, ...]) -> list[str]:
    """The ``columns`` whose first cells are all numbers (weights or returns could be in them)."""
    if table is None:
        return []
    found = [c for c in columns if c in table.frame and len(_cells(table, c))]
    return [c for c in found if _cells(table, c).map(lambda cell: bool(_NUMBER.match(cell))).all()]


def _dated(table: Table | None, column: str) -> bool:
    return (
        table is not None
        and column in table.frame
        and len(_cells(table, column)) > 0
        and (date_style(_cells(table, column)) is not None)
    )


def _date_choice(look: _Look, columns: tuple[str, ...], table: Table | None) -> Choice:
    if look.given("date_col", columns):
        return look.chosen("date_col", "Date column", columns)
    return _date_column(columns, table)


def _date_column(columns: tuple[str, ...], table: Table | None) -> Choice:
    """The date column as the loader finds it (named like a date, else the first column when
    it holds dates); uncertain when that misses a column whose first cells are dates."""
    named = next((c for c in columns if c.lower() in DATE_NAMES), None)
    if named is not None:
        return Choice("date_col", "Date column", named, columns, True, "named like a date")
    if columns and (table is None or _dated(table, columns[0])):
        reason = "the first column holds dates" if table is not None else "the first column, when it holds dates"
        return Choice("date_col", "Date column", columns[0], columns, True, reason)
    other = next((c for c in columns if _dated(table, c)), None)
    if other is None:
        return Choice("date_col", "Date column", None, columns, True, "no column of the first rows holds dates")
    reason = f"no column is named like a date and the first holds no dates; {other!r} holds dates"
    return Choice("date_col", "Date column", other, columns, False, reason)


def _date_cells(rows: tuple[tuple[str, ...], ...], header: int) -> pd.Series[str] | None:
    """The first cells of the date column below row ``header`` (0-based; the column named like
    a date, else the first), read from the rows as they are, or None when they are not dates."""
    names = [c.strip().lower() for c in rows[header]] if 0 <= header < len(rows) else []
    j = next((i for i, name in enumerate(names) if name in DATE_NAMES), 0)
    cells = pd.Series([r[j].strip() for r in rows[header + 1 :] if len(r) > j and r[j].strip()], dtype=object)
    return cells if len(cells) and date_style(cells) is not None else None


# --- returns ------------------------------------------------------------------------
def _returns_table(look: _Look) -> list[Choice]:
    """A plain returns table: header row, date column, long or wide (id and return columns),
    units and frequency from the first rows, read by the loader."""
    header = _plain_header(look)
    table = _sample_table(look.file, header.value - 1)
    columns = tuple(table.frame.columns) if table is not None else _columns(look, header.value - 1)
    date = _date_choice(look, columns, table)
    others = tuple(c for c in columns if c != date.value)
    ids = _id_choices(look, others, table, date.value)
    keys = {c.name: c.value for c in (date, *ids)}
    data = error = None
    if table is not None:
        try:
            data = returns_from_table(
                table,
                freq=look.fixed.get("freq", "auto"),
                units="decimal",
                factor_units="decimal",
                id_col=keys.get("id_col"),
                ret_col=keys.get("ret_col"),
                date_col=keys["date_col"],
                keep_outliers=True,
            )
        except InputError as exc:
            error = exc
    distinct = 0 if date.value is None or table is None else _cells(table, date.value).nunique()
    return [header, date, *ids, *_units_choices(look, data), _freq_choice(look, data, error, distinct)]


def _id_choices(look: _Look, others: tuple[str, ...], table: Table | None, date_col: str | None) -> list[Choice]:
    """Wide (one column per series) or long (an id column and a return column), by the
    loader's rule: long when an id column sits beside a return column or most dates repeat."""
    alternatives = (None, *others)
    named = _named(others, ID_NAMES)
    if look.given("id_col", alternatives):
        id_choice = look.chosen("id_col", "Id column", alternatives)
    else:
        dates = None if table is None or date_col is None else _cells(table, date_col)
        repeats = dates is not None and len(dates) > 0 and dates.duplicated().mean() >= 0.5
        if named is not None and (_named(others, RETURN_NAMES) or repeats):
            id_choice = Choice("id_col", "Id column", named, alternatives, True, "one row per date and series")
        else:
            why = f"; {named!r} is a series (each row has its own date)" if named else ""
            id_choice = Choice("id_col", "Id column", None, alternatives, True, "none: one column per series" + why)
    if id_choice.value is None:
        return [id_choice]
    rest = tuple(c for c in others if c != id_choice.value)
    if look.given("ret_col", rest):
        return [id_choice, look.chosen("ret_col", "Return column", rest)]
    found = _named(rest, RETURN_NAMES)
    if found is not None:
        return [id_choice, Choice("ret_col", "Return column", found, rest, True, "named like returns")]
    numeric = _numeric(table, rest)
    proposal = numeric[0] if len(numeric) == 1 else None
    reason = "a long file needs the column holding the returns; none is named ret or return"
    return [id_choice, Choice("ret_col", "Return column", proposal, rest, not numeric, reason)]


def _units_choices(look: _Look, data: ReturnsData | None) -> list[Choice]:
    """Units of the series and of the factors: the layout's own, else detected from the
    first rows by the loader's rule; uncertain when that cannot tell."""
    layout = _LAYOUT_UNITS.get(look.reader.name)
    parts = [("units", "Returns units", "returns"), ("factor_units", "Factor units", "factors")]
    choices = []
    for name, label, what in parts:
        frame = None
        if data is not None:
            frame = data.assets if what == "returns" else data.factors[[c for c in data.factors if c != RF]]
            if frame.empty:
                continue
        choices.append(_units_choice(look, name, label, what, frame, data.freq if data else "monthly", layout))
    return choices


def _units_choice(
    look: _Look, name: str, label: str, what: str, frame: pd.DataFrame | None, freq: str, layout: str | None
) -> Choice:
    if look.given(name, UNITS):
        return look.chosen(name, label, UNITS)
    if layout is not None:
        return Choice(name, label, "auto", UNITS, True, f"{layout}, as the {look.reader.label} layout has it")
    if frame is None:
        return Choice(name, label, "auto", UNITS, True, "detected when the file is read")
    prefix = f"{look.source}: "
    try:
        _scale, note = units_scale(frame, "auto", freq, what=what, source=look.source, keep_outliers=True)
    except InputError as exc:
        return Choice(name, label, "auto", UNITS, False, exc.message.removeprefix(prefix))
    # The first sentence: what keeping outliers in the first rows kept is not a units question.
    reason = note.removeprefix(prefix).split(f" {prefix}")[0] if note else "detected when the file is read"
    return Choice(name, label, "auto", UNITS, True, reason)


def _freq_choice(look: _Look, data: ReturnsData | None, error: InputError | None, dates: int = 0) -> Choice:
    """The frequency from the first rows' dates; uncertain only when the whole file has too
    few (``dates`` distinct dates, two or more) to tell: a cut sample says nothing of the rest."""
    alternatives = ("auto", *FREQUENCIES)
    if look.given("freq", alternatives):
        return look.chosen("freq", "Frequency", alternatives)
    if data is not None:
        return Choice("freq", "Frequency", "auto", alternatives, True, f"{data.freq}, from the dates")
    if error is not None and error.option == "freq" and look.file.complete and dates > 1:
        return Choice("freq", "Frequency", "auto", alternatives, False, error.message.removeprefix(f"{look.source}: "))
    return Choice("freq", "Frequency", "auto", alternatives, True, "from the dates, when the file is read")


def _kenfrench(look: _Look) -> list[Choice]:
    """The library's first table (found by its shape), percent as published."""
    found = find_table([list(r) for r in look.rows])
    at = found.header + 1 if found else None
    header = Choice("header_row", "Header row", at, (), True, "the library's first table starts here", option=False)
    data = error = None
    try:
        data = read_kenfrench_text("\n".join(look.file.lines), look.source, ReadOptions())
    except InputError as exc:
        error = exc
    return [header, *_units_choices(look, data), _freq_choice(look, data, error)]


def _price_history(look: _Look) -> list[Choice]:
    """A price history: the price column it takes (by preference, not an option) and the frequency."""
    from analytics.data.readers.prices import PRICE_COLUMNS, read_prices

    columns = _columns(look, 0)
    price = next((c for p in PRICE_COLUMNS for c in columns if c.lower() == p), None)
    reason = "total-return prices first (Adj Close), else Close, PX_LAST or Price"
    chosen = Choice("price_col", "Prices from", price, (), True, reason, option=False)
    data = error = None
    table = _sample_table(look.file, 0)
    if table is not None:
        try:
            options = ReadOptions.of({k: v for k, v in look.fixed.items() if k == "freq"})
            data = read_prices(table, options, look.file.sniffed.path.stem)
        except InputError as exc:
            error = exc
    return [chosen, _freq_choice(look, data, error)]


def _aqr(look: _Look) -> list[Choice]:
    """An AQR workbook: its region column (default USA), decimals as published."""
    from analytics.data.readers.aqr import DEFAULT_REGION

    at = next((i for i, r in enumerate(look.rows) if r and r[0].strip().upper() == "DATE"), None)
    regions = () if at is None else tuple(c.strip() for c in look.rows[at][1:] if c.strip())
    reason = "the DATE row, below the workbook's notes" if at is not None else "found when the file is read"
    header = Choice("header_row", "Header row", None if at is None else at + 1, (), True, reason, option=False)
    if look.given("region", regions):
        region = look.chosen("region", "Region", regions)
    else:
        region = Choice("region", "Region", DEFAULT_REGION, regions, True, "the default region")
    return [header, region, *_units_choices(look, None), _freq_choice(look, None, None)]


def _zip_csv(look: _Look) -> list[Choice]:
    """A zip's one CSV, as its reader reads it: a Ken French library table, else a plain
    returns table (whose header row, columns and units the user may change)."""
    if look.file.content is look.file.sniffed:  # no single CSV inside: the loader says so
        return _layout_returns(look)
    found = find_table([list(r) for r in look.rows])
    if found is not None and found.library:
        return _kenfrench(replace(look, reader=reader_named("kenfrench-csv")))
    return _returns_table(replace(look, reader=reader_named("table-returns")))


def _layout_returns(look: _Look) -> list[Choice]:
    """Other returns layouts (q-factors, a zip): units and frequency as the layout or the
    loader decides when the file is read."""
    return [*_units_choices(look, None), _freq_choice(look, None, None)]


def _series_folder(look: _Look) -> list[Choice]:
    """A folder of series: the units and frequency its first file's reader would choose,
    applied to every file."""
    first = next(r for r in readers("returns") if r.files and r.accepts(look.file.sniffed))
    analyse = _ANALYSES.get(first.name) or _BY_KIND[first.kind]
    inner = analyse(replace(look, reader=first, file=replace(look.file, folder=False)))
    return [c for c in inner if c.name in ("units", "factor_units", "freq")]


# --- holdings, panels, portfolios --------------------------------------------------
def _holdings(look: _Look) -> list[Choice]:
    """Header row (the first naming an id and a weight, value or shares column), id and weight
    columns, and the as-of date, found by the holdings loader's own rules."""
    rows = look.rows
    id_col, weight_col = look.fixed.get("id_col"), look.fixed.get("weight_col")
    named = [(i, header_roles(r, id_col=id_col, weight_col=weight_col)) for i, r in enumerate(rows)]
    found = [(i, roles) for i, roles in named if roles is not None and len(_filled(rows[i])) >= 2]
    alternatives = tuple(range(1, len(rows) + 1))
    if look.given("header_row", alternatives):
        header = look.chosen("header_row", "Header row", alternatives, option=False)
    elif found:
        reason = "the first row naming an id and a weight, value or shares column"
        header = Choice("header_row", "Header row", found[0][0] + 1, alternatives, True, reason, option=False)
    else:
        header = replace(_plain_header(look), option=False, reason="no row names an id and a weight column")
    roles = next((r for i, r in found if i == header.value - 1), {})
    columns = _columns(look, header.value - 1)
    table = _sample_table(look.file, header.value - 1)
    ids = _holdings_id(look, roles, columns)
    # Rows with an id, several on a date (or undated): holdings whose weight column has a name
    # of its own, worth asking about; a table with a date per row is returns opened as holdings.
    dates = _date_cells(look.rows, header.value - 1)
    positions = ids.value is not None and (dates is None or dates.duplicated().mean() >= 0.5)
    return [header, ids, _weight(look, roles, columns, _numeric(table, columns) if positions else []), _as_of(look)]


def _holdings_id(look: _Look, roles: dict[str, str], columns: tuple[str, ...]) -> Choice:
    alternatives = (None, *columns)
    if look.given("id_col", alternatives):
        return look.chosen("id_col", "Id column", alternatives)
    if "id" in roles:
        return Choice("id_col", "Id column", roles["id"], alternatives, True, "named like tickers or ids")
    if "alt_id" in roles:
        reason = "no ticker column: lines identified by their SEDOL, CUSIP or ISIN"
        return Choice("id_col", "Id column", roles["alt_id"], alternatives, True, reason)
    named = _named(columns, ID_NAMES)  # a header not recognised for want of a weight column
    if named is not None:
        return Choice("id_col", "Id column", named, alternatives, True, "named like tickers or ids")
    return Choice("id_col", "Id column", None, alternatives, True, "no column is named like tickers or ids")


def _weight(look: _Look, roles: dict[str, str], columns: tuple[str, ...], numbers: list[str]) -> Choice:
    """Where weights come from: by the loader's names, else asked when ``numbers`` (columns of
    numbers in rows that look like positions) could hold them."""
    alternatives = (None, *columns)
    if look.given("weight_col", alternatives):
        return look.chosen("weight_col", "Weights from", alternatives)
    reasons = {
        "weight": "the weight column (percent when its name, its cells or its sum say so)",
        "value": "each line's share of the total market value",
        "shares": "shares × price, as a share of the total",
    }
    for role, reason in reasons.items():
        if role in roles:
            return Choice("weight_col", "Weights from", roles[role], alternatives, True, reason)
    reason = "no column is named like weights, market values or shares" + (": which holds them?" if numbers else "")
    return Choice("weight_col", "Weights from", None, alternatives, not numbers, reason)


def _as_of(look: _Look) -> Choice:
    """The as-of date as the loader finds it in the first rows (a date column, an "as of" line,
    the file name); uncertain when there is none: the user gives it."""
    if look.given("date"):
        return look.chosen("date", "As-of date")
    label = look.file.sniffed.path.stem
    sheet = Sheet([list(r) for r in look.rows], list(range(1, len(look.rows) + 1)), look.source, label)
    options = {k: look.fixed.get(k) for k in ("id_col", "weight_col")}
    try:
        positions = sheet_positions(sheet, **options)
    except InputError as exc:
        if exc.option == "date":
            reason = "no date column, no 'as of' line and no date in the file name: give the date"
            return Choice("date", "As-of date", None, (), False, reason)
        return Choice("date", "As-of date", None, (), True, "found when the file is read")
    dates = positions.frame["date"].drop_duplicates()
    said = next((n for n in positions.notes if "positions dated" in n), "")
    how = re.sub(r"positions dated \S+ ", "", said.removeprefix(f"{look.source}: ")) if said else "from the date column"
    shown = ", ".join(str(d.date()) for d in dates[:3])
    return Choice("date", "As-of date", None, (), True, f"{shown}, {how}")


def _panel(look: _Look) -> list[Choice]:
    """A stock panel: its date and id columns."""
    table = _sample_table(look.file, 0)
    columns = tuple(table.frame.columns) if table is not None else _columns(look, 0)
    date = _date_choice(look, columns, table)
    others = tuple(c for c in columns if c != date.value)
    return [date, _named_id(look, others, others)]


def _portfolios(look: _Look) -> list[Choice]:
    """Portfolio weights: the id column (beside the ``portfolio`` column)."""
    columns = _columns(look, next((i for i, r in enumerate(look.rows) if _filled(r)), 0))
    others = tuple(c for c in columns if c.lower() != "portfolio")
    return [_named_id(look, others, others)]


def _named_id(look: _Look, columns: tuple[str, ...], alternatives: tuple[str, ...]) -> Choice:
    if look.given("id_col", alternatives):
        return look.chosen("id_col", "Id column", alternatives)
    named = _named(columns, ID_NAMES)
    if named is not None:
        return Choice("id_col", "Id column", named, alternatives, True, "named like ids")
    return Choice("id_col", "Id column", None, alternatives, False, "no column is named id, permno or ticker")


_ANALYSES: dict[str, Callable[[_Look], list[Choice]]] = {
    "table-returns": _returns_table,
    "kenfrench-csv": _kenfrench,
    "price-history": _price_history,
    "aqr-workbook": _aqr,
    "zip-csv": _zip_csv,
    "series-folder": _series_folder,
    "table-panel": _panel,
    "table-portfolios": _portfolios,
}
_BY_KIND: dict[str, Callable[[_Look], list[Choice]]] = {
    "returns": _layout_returns,
    "holdings": _holdings,
    "panel": _panel,
    "portfolios": _portfolios,
}
