"""Long panels as date-partitioned Parquet datasets: written once, read back a block of dates at a time.

A stock panel (``date, id`` and numeric columns) that does not fit in memory is kept as a
folder with one sub-folder per date (``date=2020-01-31/part-0.parquet``, the hive layout that
pyarrow, Dask and Spark read as they are) and a ``manifest.json`` saying what is inside: the
columns and their types, the dates with their row counts and files, the frequency and the
number of rows. Readers never list the folder: the manifest is the table of contents, so a
file that is not in it (a stray copy, an interrupted write) is never read.

Why one folder per date: every consumer reads whole dates (a cross-section is one date), so
a block of dates is a list of files, and a date's rows are never split from one another.

Writes are atomic: everything goes into a temporary folder beside the target, every file is
fsynced, the manifest is written last, and the folder is renamed into place. A reader sees
the old dataset or the new one, never a half-written one, so a store entry can be such a
folder. Parquet is read with pyarrow, which executes nothing from the file.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.data.paths import fsync_folder
from analytics.errors import InputError
from analytics.frequency import detect_frequency

__all__ = ["MANIFEST", "PartitionedPanel", "is_partitioned_panel", "write_partitioned"]

MANIFEST = "manifest.json"
# Rows per record batch when streaming: more than a date's file holds, so a batch is a file.
_BATCH_ROWS = 1 << 20
_FORMAT = "factordesk.partitioned-panel"
_VERSION = 1


def is_partitioned_panel(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a dataset written by :func:`write_partitioned`."""
    manifest = Path(path) / MANIFEST
    if not manifest.is_file():
        return False
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("format") == _FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def write_partitioned(
    data: pd.DataFrame | Iterable[pd.DataFrame],
    folder: str | Path,
    *,
    frequency: str | None = None,
    overwrite: bool = False,
    compression: str = "snappy",
) -> PartitionedPanel:
    """Write a long panel as a date-partitioned Parquet dataset, atomically.

    Parameters
    ----------
    data : DataFrame or iterable of DataFrames
        ``date`` (datetime64, whole days), ``id`` and numeric columns. An iterable is written
        block by block, so a panel never has to be in memory at once (a WRDS pull chunk by
        chunk); a date may recur in later blocks (its rows then span several files).
    folder : path
        The dataset folder to create; its parent is created if needed.
    frequency : str, optional
        ``daily``, ``weekly`` or ``monthly``; detected from the dates when not given.
    overwrite : bool
        Replace an existing dataset at ``folder`` (the old one stays intact until the new one
        is complete). Without it an existing folder is an error.
    compression : str
        Parquet compression of the files.
    """
    target = Path(folder)
    if target.exists() and not overwrite:
        raise InputError(f"{target}: already exists; choose another folder or replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir()
    try:
        writer = _Writer(tmp, compression)
        for block in [data] if isinstance(data, pd.DataFrame) else data:
            writer.add(block)
        manifest = writer.manifest(frequency)
        _write_json(tmp / MANIFEST, manifest)
        fsync_folder(tmp)
        _move_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PartitionedPanel(target)


class _Writer:
    """Writes blocks into per-date files and remembers what it wrote, for the manifest."""

    def __init__(self, folder: Path, compression: str) -> None:
        self.folder = folder
        self.compression = compression
        self.types: dict[str, str] | None = None
        self.files: dict[pd.Timestamp, list[str]] = {}
        self.rows: dict[pd.Timestamp, int] = {}

    def add(self, block: pd.DataFrame) -> None:
        if block.empty:
            return
        types = _column_types(block)
        if self.types is None:
            self.types = types
        elif types.keys() != self.types.keys():
            raise InputError(
                f"panel block has columns {', '.join(types)}; earlier blocks had "
                f"{', '.join(self.types)}. Give every block the same columns."
            )
        dates = _whole_days(block["date"])
        keys = pd.DataFrame({"date": dates, "id": block["id"].to_numpy()})
        if keys.duplicated().any():
            row = keys.loc[keys.duplicated()].iloc[0]
            raise InputError(
                f"panel: id {row['id']!r} appears twice on {row['date'].date()}; keep one row per id and date."
            )
        order = np.argsort(dates, kind="stable")
        dates = dates[order]
        starts = np.flatnonzero(np.r_[True, dates[1:] != dates[:-1], True])
        for a, b in itertools.pairwise(starts):
            self._write_date(pd.Timestamp(dates[a]), block, order[a:b])

    def _write_date(self, date: pd.Timestamp, block: pd.DataFrame, rows: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        assert self.types is not None
        columns = {"id": pa.array(block["id"].to_numpy()[rows].astype(str))}
        for name, kind in self.types.items():
            if name != "id":  # numpy arrays keep NaN as NaN (pandas' conversion would make it null)
                columns[name] = pa.array(block[name].to_numpy(dtype=kind)[rows])
        parts = self.files.setdefault(date, [])
        relative = f"date={date.date()}/part-{len(parts)}.parquet"
        path = self.folder / relative
        path.parent.mkdir(exist_ok=True)
        with open(path, "wb") as handle:
            pq.write_table(pa.table(columns), handle, compression=self.compression, use_dictionary=False)
            handle.flush()
            os.fsync(handle.fileno())
        if not parts:
            fsync_folder(self.folder)
        fsync_folder(path.parent)
        parts.append(relative)
        self.rows[date] = self.rows.get(date, 0) + len(rows)

    def manifest(self, frequency: str | None) -> dict[str, Any]:
        if self.types is None:
            raise InputError("panel: no rows to write.")
        dates = sorted(self.files)
        if frequency is None and len(dates) >= 3:
            try:
                frequency = detect_frequency(pd.DatetimeIndex(dates), "panel")
            except InputError:
                frequency = None  # irregular dates: the manifest says it does not know
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "created": datetime.now(UTC).isoformat(),
            "columns": self.types,
            "frequency": frequency,
            "row_count": int(sum(self.rows.values())),
            "dates": [str(d.date()) for d in dates],
            "rows": [self.rows[d] for d in dates],
            "files": [self.files[d] for d in dates],
        }


def _column_types(block: pd.DataFrame) -> dict[str, str]:
    """``id`` is text; every other column besides ``date`` must be numeric (float64 or int64)."""
    for needed in ("date", "id"):
        if needed not in block.columns:
            raise InputError(f"panel: no {needed!r} column; a long panel has date, id and numeric columns.")
    types = {"id": "string"}
    for name in block.columns:
        if name in ("date", "id"):
            continue
        if not isinstance(name, str):
            raise InputError(f"panel: column name {name!r} is not text; name every column.")
        column = block[name]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            raise InputError(f"panel: column {name!r} is not numeric; leave it out or convert it.")
        types[name] = "int64" if pd.api.types.is_integer_dtype(column) else "float64"
    return types


def _whole_days(column: pd.Series) -> np.ndarray:
    if not pd.api.types.is_datetime64_dtype(column):
        raise InputError("panel: the 'date' column is not dates; parse it first.")
    values = column.to_numpy(dtype="datetime64[ns]")
    if np.isnat(values).any():
        raise InputError("panel: some dates are missing; every row needs a date.")
    if (values != values.astype("datetime64[D]")).any():
        raise InputError("panel: dates carry a time of day; a panel is dated by whole days.")
    return values


def _write_json(path: Path, content: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def _move_into_place(tmp: Path, target: Path) -> None:
    """Rename the finished folder to ``target``; an old dataset there is moved aside first and
    removed only once the new one is in place."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    fsync_folder(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class _Contents:
    dates: pd.DatetimeIndex
    rows: np.ndarray
    files: tuple[tuple[str, ...], ...]


class PartitionedPanel:
    """A dataset written by :func:`write_partitioned`, read a block of dates at a time.

    Reading selects columns (only their bytes are read) and, optionally, ids (only those rows
    are kept, block by block), so memory follows what is asked for, not the dataset's size.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        path = self.folder / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(
                f"{self.folder}: not a panel dataset (no {MANIFEST}); write one with write_partitioned."
            ) from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read the manifest ({exc}); write the dataset again.") from None
        if manifest.get("format") != _FORMAT or manifest.get("version") != _VERSION:
            raise InputError(f"{path}: not a FactorDesk panel dataset (version {_VERSION}).")
        self.types: dict[str, str] = dict(manifest["columns"])
        self.frequency: str | None = manifest.get("frequency")
        self._contents = _Contents(
            pd.DatetimeIndex(pd.to_datetime(manifest["dates"]), name="date"),
            np.asarray(manifest["rows"], dtype=np.int64),
            tuple(tuple(f) for f in manifest["files"]),
        )

    @property
    def name(self) -> str:
        """The folder's name, for messages."""
        return self.folder.name

    @property
    def dates(self) -> pd.DatetimeIndex:
        """Every date of the dataset, increasing."""
        return self._contents.dates

    @property
    def rows_per_date(self) -> np.ndarray:
        """Row count of each date."""
        return self._contents.rows

    @property
    def n_rows(self) -> int:
        """Rows over all dates."""
        return int(self._contents.rows.sum())

    @property
    def columns(self) -> list[str]:
        """The numeric columns (besides ``date`` and ``id``)."""
        return [c for c in self.types if c != "id"]

    def __repr__(self) -> str:
        span = f"{self.dates[0].date()} to {self.dates[-1].date()}" if len(self.dates) else "no dates"
        return f"PartitionedPanel({str(self.folder)!r}: {len(self.dates)} dates, {span}, {self.n_rows} rows)"

    def subset(self, dates: Sequence[Any] | pd.DatetimeIndex) -> PartitionedPanel:
        """The same dataset restricted to ``dates`` (nothing is read)."""
        positions = self.positions(dates)
        contents = self._contents
        out = copy.copy(self)
        out._contents = replace(
            contents,
            dates=contents.dates[positions],
            rows=contents.rows[positions],
            files=tuple(contents.files[p] for p in positions),
        )
        return out

    def positions(self, dates: Sequence[Any] | pd.DatetimeIndex) -> np.ndarray:
        """Positions of ``dates`` among :attr:`dates`; a date not in the dataset is an error."""
        wanted = pd.DatetimeIndex(pd.to_datetime(list(dates)) if not isinstance(dates, pd.DatetimeIndex) else dates)
        positions = self.dates.get_indexer(wanted)
        if (positions < 0).any():
            missing = wanted[positions < 0][0]
            span = f"{self.dates[0].date()} to {self.dates[-1].date()}" if len(self.dates) else "none"
            raise InputError(f"{self.name}: no date {missing.date()} in the dataset (dates: {span}).")
        return positions

    def read_table(
        self,
        dates: Sequence[Any] | pd.DatetimeIndex | None = None,
        columns: Sequence[str] | None = None,
        *,
        ids: Iterable[str] | None = None,
    ) -> Any:
        """A ``pyarrow.Table`` of ``date`` (date32) and ``columns`` (default: ``id`` and every numeric
        column) for ``dates`` (default: all), rows in date order; with ``ids``, only their rows."""
        import pyarrow.dataset as ds

        dataset, columns = self._scan(dates, columns)
        where = None if ids is None else ds.field("id").isin(sorted({str(i) for i in ids}))
        return dataset.to_table(columns=["date", *columns], filter=where)

    def read_batches(
        self,
        dates: Sequence[Any] | pd.DatetimeIndex | None = None,
        columns: Sequence[str] | None = None,
    ) -> Iterator[Any]:
        """:meth:`read_table`'s rows as ``pyarrow.RecordBatch``es in date order, about a file each, read
        as they are consumed: memory holds a few files, not the dates asked for."""
        dataset, columns = self._scan(dates, columns)
        yield from dataset.to_batches(columns=["date", *columns], batch_size=_BATCH_ROWS)

    def read_dates(
        self,
        dates: Sequence[Any] | pd.DatetimeIndex | None = None,
        columns: Sequence[str] | None = None,
        *,
        ids: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """:meth:`read_table` as a canonical panel frame: ``date`` (datetime64), ``id`` (text), numbers."""
        columns = ["id", *self.columns] if columns is None else list(columns)
        table = self.read_table(dates, columns if "id" in columns else ["id", *columns], ids=ids)
        frame = table.to_pandas(date_as_object=False)
        frame["date"] = frame["date"].astype("datetime64[ns]")
        return frame

    def blocks(
        self, dates_per_block: int, columns: Sequence[str] | None = None, *, ids: Iterable[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        """The panel as frames of ``dates_per_block`` whole dates each, in date order."""
        if dates_per_block < 1:
            raise InputError(f"dates per block must be at least 1, not {dates_per_block}.")
        held = None if ids is None else list(ids)
        for start in range(0, len(self.dates), dates_per_block):
            yield self.read_dates(self.dates[start : start + dates_per_block], columns, ids=held)

    def files(self) -> list[Path]:
        """Every Parquet file of the dataset, in date order."""
        return [self.folder / f for parts in self._contents.files for f in parts]

    def _scan(
        self, dates: Sequence[Any] | pd.DatetimeIndex | None, columns: Sequence[str] | None
    ) -> tuple[Any, list[str]]:
        """The pyarrow dataset of ``dates``' files and the checked column list."""
        positions = np.arange(len(self.dates)) if dates is None else self.positions(dates)
        columns = ["id", *self.columns] if columns is None else list(columns)
        unknown = [c for c in columns if c not in self.types]
        if unknown:
            raise InputError(f"{self.name}: no column {unknown[0]!r}; columns are {', '.join(self.types)}.")
        return self._dataset(positions), columns

    def _dataset(self, positions: np.ndarray) -> Any:
        import pyarrow as pa
        import pyarrow.dataset as ds

        files = [str(self.folder / f) for p in positions for f in self._contents.files[p]]
        schema = pa.schema(
            [
                ("id", pa.string()),
                *((c, pa.from_numpy_dtype(np.dtype(t))) for c, t in self.types.items() if c != "id"),
                ("date", pa.date32()),
            ]
        )
        partitioning = ds.partitioning(pa.schema([("date", pa.date32())]), flavor="hive")
        return ds.dataset(
            files, schema=schema, format="parquet", partitioning=partitioning, partition_base_dir=str(self.folder)
        )
