"""Where a cross-sectional model reads its panel from: a frame in memory or a dataset on disk.

The model never holds the panel. It asks its source for the rows of a range of dates (one
block at a time while fitting), for one date again (pure-play weights), or for the rows of
some ids (characteristic-adjusted returns of the portfolios that hold them), and only for
the columns it uses. A :class:`FrameSource` answers from a DataFrame already in memory (the
rows are views of its columns); a :class:`DatasetSource` reads a
:class:`~analytics.data.partitioned.PartitionedPanel` from disk, so memory follows the block,
not the panel.

Every answer is :class:`PanelRows`: rows sorted by date, with their date numbers (positions in
the source's ``dates``), float columns and, when asked, ids. A fit takes a block as
:meth:`PanelSource.parts` of whole dates: the frame's rows at once, or a dataset's a file at a
time as views of what pyarrow decoded (no copy, a few files in memory). :meth:`PanelSource.reader`
gives a small picklable function that produces those parts in another process (Dask workers).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.data.partitioned import PartitionedPanel
from analytics.errors import InputError

__all__ = ["DatasetSource", "FrameSource", "PanelRows", "PanelSource", "as_source"]

# Dates read at once when looking up the rows of some ids in a dataset: bounds the memory.
_IDS_DATES_PER_READ = 256


@dataclass(frozen=True)
class PanelRows:
    """Panel rows sorted by date: date numbers, float columns by name, ids (None unless asked)."""

    date_pos: np.ndarray  # one int per row, non-decreasing
    values: dict[str, np.ndarray]
    ids: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.date_pos)

    def offsets(self, t0: int, t1: int) -> np.ndarray:
        """Row offsets where dates ``t0 .. t1 - 1`` start, and the end: ``t1 - t0 + 1`` numbers."""
        return np.searchsorted(self.date_pos, np.arange(t0, t1 + 1))


class PanelSource(ABC):
    """A long panel (``date, id``, numeric columns) that answers by dates, columns and ids."""

    #: Name used in messages (the file or folder).
    name: str
    #: Every date, increasing.
    dates: pd.DatetimeIndex
    #: Rows of each date.
    counts: np.ndarray
    #: Every column besides ``date`` and ``id``, and whether it is numeric.
    numeric: dict[str, bool]

    @abstractmethod
    def read(self, t0: int, t1: int, columns: Sequence[str], *, ids: bool = False) -> PanelRows:
        """The rows of date numbers ``t0 .. t1 - 1``."""

    @abstractmethod
    def read_ids(self, held: Sequence[str], columns: Sequence[str], positions: np.ndarray) -> PanelRows:
        """The rows of ids ``held`` at date numbers ``positions`` (increasing), with their ids."""

    @abstractmethod
    def reader(self, t0: int, t1: int, columns: Sequence[str]) -> Callable[[], Iterable[PanelRows]]:
        """A picklable function giving :meth:`parts` ``(t0, t1, columns)``, for another process."""

    def parts(self, t0: int, t1: int, columns: Sequence[str]) -> Iterable[PanelRows]:
        """The rows of date numbers ``t0 .. t1 - 1`` in consecutive parts of whole dates."""
        return (self.read(t0, t1, columns),)


class FrameSource(PanelSource):
    """A canonical panel frame in memory; rows sorted by date once (views when already sorted)."""

    def __init__(self, frame: pd.DataFrame, name: str = "panel") -> None:
        if frame.empty:
            raise InputError(f"{name}: the panel has no rows.")
        for needed in ("date", "id"):
            if needed not in frame.columns:
                raise InputError(f"{name}: no {needed!r} column; a panel has date, id and numeric columns.")
        self.name = name
        self.frame = frame
        dates = frame["date"].to_numpy(dtype="datetime64[ns]")
        self._order = np.argsort(dates, kind="stable") if np.any(dates[1:] < dates[:-1]) else None
        if self._order is not None:
            dates = dates[self._order]
        starts = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1], True])
        self.dates = pd.DatetimeIndex(dates[starts[:-1]], name="date")
        self.counts = np.diff(starts)
        self._starts = starts
        self.numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns if c not in ("date", "id")}
        self._columns: dict[str, np.ndarray] = {}

    def _column(self, name: str) -> np.ndarray:
        """A column as floats in date order (a view of the frame's when it already is one)."""
        if name not in self._columns:
            source = self.frame["id" if name == "id" else name]
            values = source.to_numpy() if name == "id" else source.to_numpy(dtype=float)
            self._columns[name] = values if self._order is None else values[self._order]
        return self._columns[name]

    def _rows(self, rows: slice | np.ndarray, date_pos: np.ndarray, columns: Sequence[str], ids: bool) -> PanelRows:
        return PanelRows(
            date_pos, {c: self._column(c)[rows] for c in columns}, self._column("id")[rows] if ids else None
        )

    def read(self, t0: int, t1: int, columns: Sequence[str], *, ids: bool = False) -> PanelRows:
        date_pos = np.repeat(np.arange(t0, t1), self.counts[t0:t1])
        return self._rows(slice(self._starts[t0], self._starts[t1]), date_pos, columns, ids)

    def read_ids(self, held: Sequence[str], columns: Sequence[str], positions: np.ndarray) -> PanelRows:
        date_pos = np.repeat(np.arange(len(self.dates)), self.counts)
        rows = np.flatnonzero(pd.Index(self._column("id")).isin(held) & np.isin(date_pos, positions))
        return self._rows(rows, date_pos[rows], columns, True)

    def reader(self, t0: int, t1: int, columns: Sequence[str]) -> Callable[[], Iterable[PanelRows]]:
        return _Loaded(self.read(t0, t1, columns))


@dataclass(frozen=True)
class _Loaded:
    """Rows already read, shipped as they are (the rows of an in-memory panel)."""

    rows: PanelRows

    def __call__(self) -> Iterable[PanelRows]:
        return (self.rows,)


class DatasetSource(PanelSource):
    """A date-partitioned dataset on disk: reads only the dates, columns and ids asked for."""

    def __init__(self, panel: PartitionedPanel) -> None:
        if panel.n_rows == 0:
            raise InputError(f"{panel.name}: the panel has no rows.")
        self.panel = panel
        self.name = panel.name
        self.dates = panel.dates
        self.counts = panel.rows_per_date
        self.numeric = dict.fromkeys(panel.columns, True)

    def read(self, t0: int, t1: int, columns: Sequence[str], *, ids: bool = False) -> PanelRows:
        return _table_rows(self.panel.read_table(self.dates[t0:t1], _with_ids(columns, ids)), self.dates, columns, ids)

    def read_ids(self, held: Sequence[str], columns: Sequence[str], positions: np.ndarray) -> PanelRows:
        parts = []
        for start in range(0, len(positions), _IDS_DATES_PER_READ):
            chunk = self.dates[positions[start : start + _IDS_DATES_PER_READ]]
            parts.append(
                _table_rows(self.panel.read_table(chunk, _with_ids(columns, True), ids=held), self.dates, columns, True)
            )
        return PanelRows(
            np.concatenate([p.date_pos for p in parts]),
            {c: np.concatenate([p.values[c] for p in parts]) for c in columns},
            np.concatenate([p.ids for p in parts]),
        )

    def parts(self, t0: int, t1: int, columns: Sequence[str]) -> Iterable[PanelRows]:
        """A file's rows at a time, as views of what pyarrow read: no copy, and memory for a few files."""
        return self.reader(t0, t1, columns)()

    def reader(self, t0: int, t1: int, columns: Sequence[str]) -> Callable[[], Iterable[PanelRows]]:
        return _DatasetReader(self.panel.subset(self.dates[t0:t1]), t0, tuple(columns))


@dataclass(frozen=True)
class _DatasetReader:
    """Reads a block of dates of a dataset (its folder and files, never the rows themselves: what
    a Dask worker is sent), as parts of whole dates."""

    panel: PartitionedPanel  # restricted to the block's dates
    t0: int
    columns: tuple[str, ...]

    def __call__(self) -> Iterator[PanelRows]:
        held: list[PanelRows] = []  # batches of the date being read (one, unless a date has several files)
        for batch in self.panel.read_batches(None, self.columns):
            rows = _table_rows(batch, self.panel.dates, self.columns, False)
            if held and rows.date_pos[0] != held[-1].date_pos[-1]:
                yield self._joined(held)
                held = []
            held.append(rows)
        if held:
            yield self._joined(held)

    def _joined(self, held: list[PanelRows]) -> PanelRows:
        """Batches as one part, date numbers counted from the source's first date."""
        if len(held) == 1:
            return PanelRows(held[0].date_pos + self.t0, held[0].values)
        return PanelRows(
            np.concatenate([h.date_pos for h in held]) + self.t0,
            {c: np.concatenate([h.values[c] for h in held]) for c in self.columns},
        )


def _with_ids(columns: Sequence[str], ids: bool) -> list[str]:
    return ["id", *columns] if ids else list(columns)


def _table_rows(table: Any, dates: pd.DatetimeIndex, columns: Sequence[str], ids: bool) -> PanelRows:
    """Rows of a pyarrow table or record batch read from a dataset, date numbers relative to
    ``dates``; columns are views of pyarrow's buffers when they are float64 in one piece."""

    def array(name: str) -> Any:
        column = table.column(name)
        return column.combine_chunks() if hasattr(column, "combine_chunks") else column  # tables' are chunked

    days = array("date").cast("int32").to_numpy()
    date_pos = np.searchsorted(dates.to_numpy(dtype="datetime64[D]").astype(np.int64), days)
    values = {c: array(c).to_numpy(zero_copy_only=False).astype(float, copy=False) for c in columns}
    return PanelRows(date_pos, values, array("id").to_numpy(zero_copy_only=False) if ids else None)


def as_source(panel: pd.DataFrame | PartitionedPanel | PanelSource, name: str = "panel") -> PanelSource:
    """The source for a frame, a dataset or a source."""
    if isinstance(panel, PanelSource):
        return panel
    if isinstance(panel, PartitionedPanel):
        return DatasetSource(panel)
    return FrameSource(panel, name)
