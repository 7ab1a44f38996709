"""Readers: one per published file layout, tried in order; each recognises its files cheaply.

Like napari's readers (npe2's reader contributions): a reader says which kind of data it makes
and recognises its files from the path and the first lines or rows alone (``accepts``), so
choosing a reader never parses a whole file. The app tries the readers in order and says
which one read the file. Specific layouts (the Ken French library's CSV, a fund company's
holdings export, a price history) come before the plain tables, which accept almost anything,
so adding a layout is adding a reader module and one line to :data:`MODULES`. The reader
chosen and its options are kept on the :class:`~analytics.data.dataset.Dataset` and saved with
the workspace: a restored file is read the same way, never guessed again.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.data.demo import is_demo_file
from analytics.data.returns import ReadOptions
from analytics.data.text import Sniffed, sniff
from analytics.errors import InputError

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset
    from analytics.data.returns import ReturnsData

__all__ = [
    "KINDS",
    "MODULES",
    "Reader",
    "find_reader",
    "header",
    "load_returns",
    "read_dataset",
    "reader_named",
    "readers",
]

#: The kinds of data set readers make (see :mod:`analytics.data.dataset` for their shapes).
KINDS = ("returns", "holdings", "panel", "portfolios")

#: Modules declaring readers (a ``READERS`` tuple each), in the order they are tried.
MODULES = (
    # Published factor files and price histories.
    "analytics.data.readers.kenfrench",
    "analytics.data.readers.qfactors",
    "analytics.data.readers.aqr",
    "analytics.data.readers.prices",
    "analytics.data.readers.series_folder",
    # Published holdings exports.
    "analytics.data.readers.holdings_exports",
    "analytics.data.readers.plain",  # plain tables last: they accept almost anything
)


@dataclass(frozen=True)
class Reader:
    """One file layout: its name (saved with the workspace), the kind of data set it makes,
    a label for users, a cheap test on a sniffed file, and the read function.

    ``read(path, **options)`` returns a :class:`~analytics.data.dataset.Dataset`; ``folders``
    readers also take a folder (their ``accepts`` then sees the folder's first file), and
    readers without ``files`` take folders only.
    """

    name: str
    kind: str
    label: str
    accepts: Callable[[Sniffed], bool]
    read: Callable[..., Dataset]
    folders: bool = False
    files: bool = True


@cache
def readers(kind: str | None = None) -> tuple[Reader, ...]:
    """Every reader in the order they are tried, or those making ``kind``."""
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown data kind {kind!r}; use one of {', '.join(KINDS)}.")
    found = [r for module in MODULES for r in importlib.import_module(module).READERS]
    return tuple(r for r in found if kind is None or r.kind == kind)


def reader_named(name: str) -> Reader:
    """The reader called ``name`` (as saved with a workspace)."""
    for reader in readers():
        if reader.name == name:
            return reader
    raise InputError(f"unknown reader {name!r}; use one of {', '.join(r.name for r in readers())}.")


def find_reader(path: str | Path, kind: str | None = None) -> Reader:
    """The first reader (of ``kind``, when given) that accepts ``path``.

    With a kind, the kind's last reader (its plain table) reads a file no other accepts, so
    the user gets that reader's precise complaint rather than "unknown format".
    """
    path = Path(path)
    sniffed = sniff(_first_file(path) if path.is_dir() else path)
    candidates = [r for r in readers(kind) if (r.folders if path.is_dir() else r.files)]
    for reader in candidates:
        if reader.accepts(sniffed):
            return reader
    if kind is not None and candidates:
        return candidates[-1]
    what = "folder of files FactorDesk reads" if path.is_dir() else "table FactorDesk reads"
    raise InputError(f"{path.name}: not a {what}; open a CSV, Excel or Parquet file.")


def read_dataset(path: str | Path, kind: str | None = None, *, reader: str | None = None, **options: Any) -> Dataset:
    """Read ``path`` with the named reader, or the first that accepts it; the data set keeps
    the reader's name and the options, so that it can be read again the same way."""
    chosen = reader_named(reader) if reader is not None else find_reader(path, kind)
    if kind is not None and chosen.kind != kind:
        raise InputError(f"{Path(path).name}: the {chosen.label} reader makes {chosen.kind}, not {kind}.")
    dataset = chosen.read(path, **options)
    simulated = dataset.simulated or is_demo_file(path)
    return replace(dataset, reader=chosen.name, options=dict(options), simulated=simulated)


def load_returns(path: str | Path, **options: Any) -> ReturnsData:
    """Read a returns file of any layout FactorDesk reads (or a folder of them) with the reader
    that recognises it (:mod:`analytics.data.readers`); options as :class:`ReadOptions`
    (checked: an unknown one is an error naming the known ones)."""
    data: ReturnsData = read_dataset(path, "returns", **asdict(ReadOptions.of(options))).data
    return data


def header(sniffed: Sniffed) -> tuple[str, ...]:
    """The first non-empty row's cells, stripped and lower-cased (what plain readers test)."""
    for row in sniffed.rows:
        cells = tuple(c.strip().lower() for c in row)
        if any(cells):
            return cells
    return ()


def _first_file(folder: Path) -> Path:
    """The folder's first visible file (by name): the one a folder reader's test looks at."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError(f"{folder}: the folder holds no files; choose a folder of CSV or Excel files.")
    return files[0]
