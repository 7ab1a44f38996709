"""The local store: data pulled from online sources, one folder per entry, checked when read.

Everything FactorDesk downloads (WRDS pulls, Ken French tables) is saved here so the app
works offline afterwards, and so is every stock panel file loaded once (later runs read the
stored copy a block of dates at a time). An entry is a folder ``<name>/`` holding
``manifest.json`` (source, query, pulled-at, rows, columns, a fingerprint of every column,
extras) and the data its ``data`` field names: ``data.parquet`` (one table), or
``panel-<token>/``, a date-partitioned Parquet dataset
(:class:`~analytics.data.partitioned.PartitionedPanel`) written block by block through
:meth:`Store.panel_writer`, so a panel or a WRDS pull never has to be in memory at once. Why
a folder, written whole:

- A writer builds the entry in a hidden temp folder beside it and renames it into place under
  a per-entry OS lock (:func:`~analytics.data.paths.locked`), so concurrent writers take turns
  and a crash leaves the old entry or the new one. Manifest and data share a random ``token``
  (in the manifest and in the Parquet file's own metadata): a reader that caught a rename
  between its two reads sees the tokens differ and reads again, so nobody ever gets one
  writer's manifest with another's data. A dataset's folder is named by its token too, so a
  reader streaming an entry that is replaced meanwhile finds its files gone (and says so)
  rather than reading some of the new version's.
- Everything is validated when read: each manifest field's type, a time-zoned ``pulled_at``,
  the row count, the column names, the fingerprints (a table whose values were multiplied by
  100 no longer matches), real dates without duplicates, and the frequency against the data's
  own dates. A dataset entry is checked from its two manifests (a listing: token, columns,
  rows, dates, frequency, each column's smallest and largest value) and, when opened, every
  file's footer against the digest recorded when it was written, without reading its data;
  the whole-table checks run when it is loaded whole, and a file found damaged while it is
  streamed stops the reader with the same message. A damaged entry is reported with its name and the fix (:class:`DamagedEntry`);
  :meth:`Store.entry` then answers None, so a caller online simply fetches and saves it again.
  One damaged entry never hides the others (:meth:`Store.scan`).
- An existing entry holding another request (another source or query) is never replaced
  silently: :meth:`Store.save` refuses unless ``replace=True``; the same request refreshes it.

Entries of the old layout (``<name>.parquet`` beside ``<name>.json``) are migrated on first
sight: validated as far as they can be (no token or fingerprints existed) and rewritten as a
folder; a damaged one is listed as damaged until it is pulled again. Parquet is read with
pyarrow, which executes nothing from the file.

Long stock tables (``date, id, ret`` and other numeric columns, as WRDS pulls are saved) load
back as workspace data sets: kind ``returns`` (one column per id) or ``panel`` (the long
table itself, or with ``streamed=True`` the stored dataset, read by blocks of dates), so
every tab can use what was pulled, offline.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics.data.partitioned import DatasetDamaged, PartitionedPanel, PartitionedWriter
from analytics.data.paths import data_dir, fsync_file, fsync_folder, locked
from analytics.data.returns import ReturnsData
from analytics.errors import InputError
from analytics.frequency import FREQUENCIES, detect_frequency, normalize_dates

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = [
    "DamagedEntry",
    "PanelEntryWriter",
    "Store",
    "StoreConflict",
    "StoreDamaged",
    "StoreEntry",
    "StoreUnavailable",
]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
LAYOUT = 2
MANIFEST = "manifest.json"
DATA = "data.parquet"
PANEL = "panel"  # a dataset entry's data folder: ``panel-<token>``
_META_KEY = b"factordesk"
_MAX_MANIFEST = 64 << 20  # bytes; a manifest is a few KB (a large ticker mapping: a few MB)
_RETRIES = 20  # reads that met a writer's rename mid-way, before calling the entry unstable


@dataclass(frozen=True)
class StoreEntry:
    """One stored table's manifest."""

    name: str
    source: str
    query: str
    pulled_at: str
    rows: int
    extra: dict[str, Any]

    @property
    def age_days(self) -> float:
        """Days since the data were pulled."""
        pulled = datetime.fromisoformat(self.pulled_at)
        return (datetime.now(UTC) - pulled).total_seconds() / 86400


@dataclass(frozen=True)
class DamagedEntry:
    """A stored entry that cannot be used, why, and where it is."""

    name: str
    reason: str
    path: Path
    #: How to make the entry again, when its manifest says (a stored panel file: read it again).
    fix: str | None = None

    @property
    def message(self) -> str:
        """One sentence: the entry, what is wrong, and how to fix it."""
        fix = self.fix or "pull or download it again when online"
        return (
            f"{self.name}: the stored copy is damaged ({self.reason}); {fix} (that replaces it), or delete {self.path}."
        )


class StoreDamaged(InputError):
    """A stored entry failed its checks; ``damaged`` says which and why."""

    def __init__(self, damaged: DamagedEntry) -> None:
        super().__init__(damaged.message)
        self.damaged = damaged


class StoreConflict(InputError):
    """Saving would replace an entry that holds another request."""


class StoreUnavailable(InputError):
    """The store cannot take an entry now: another program held its lock too long, or the store
    cannot be written (a caller holding the data may carry on without storing it)."""


class _Damage(Exception):
    """Raised inside the checks with the reason (and the entry's fix, once its manifest is
    known); becomes a :class:`DamagedEntry`."""


class _Moved(Exception):
    """A writer renamed the entry between two reads: read again. Carries what was seen, so that
    the same mismatch twice (a stale data file copied in, not a rename) counts as damage."""


class Store:
    """A folder of entries (default: the user's data folder); see the module docstring."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else data_dir() / "store"
        self.root.mkdir(parents=True, exist_ok=True)
        #: The table the last ``entry()`` read in full to check it (name, token, file stamp, entry,
        #: frame), handed once to the ``load()`` that usually follows, so it is not read twice.
        self._cache: tuple[str, str, tuple[int, int, int], StoreEntry, pd.DataFrame] | None = None

    @staticmethod
    def safe_name(name: str) -> str:
        """A file-system-safe entry name."""
        return _SAFE_NAME.sub("_", name).strip("_.") or "entry"

    # --- writing ----------------------------------------------------------------------
    def save(
        self, name: str, frame: pd.DataFrame, *, source: str, query: str, replace: bool = False, **extra: Any
    ) -> StoreEntry:
        """Store ``frame`` under ``name`` as one unit (see the module docstring).

        An entry of the same source and query is refreshed; one holding another request is
        replaced only with ``replace=True`` (else :class:`StoreConflict`); a damaged one is.
        """
        name = self.safe_name(name)
        pulled_at = datetime.now(UTC).isoformat()
        return self._write(name, frame, source, query, pulled_at, extra, replace=replace)

    def _write(
        self,
        name: str,
        frame: pd.DataFrame,
        source: str,
        query: str,
        pulled_at: str,
        extra: dict[str, Any],
        *,
        replace: bool,
    ) -> StoreEntry:
        try:
            _check_table(frame, extra.get("freq"))
        except _Damage as exc:
            raise InputError(f"{name}: refusing to store a table that would not read back ({exc}).") from None
        token = secrets.token_hex(8)
        manifest = {
            "layout": LAYOUT,
            "name": name,
            "source": source,
            "query": query,
            "pulled_at": pulled_at,
            "rows": len(frame),
            "columns": [str(c) for c in frame.columns],
            "data": DATA,
            "checks": _fingerprints(frame),
            "token": token,
            "extra": extra,
        }
        text = json.dumps(manifest, indent=2, default=str)
        try:
            with locked(self._lock_path(name), f"store entry {name}"):
                self._recover(name)
                if not replace:
                    self._refuse_other_request(name, source, query)
                self._swap_in(name, frame, token, text)
        except OSError as exc:
            raise InputError(
                f"{name}: cannot save into the local store {self.root} ({exc.strerror}); the previous entry is unchanged."
            ) from None
        self._cache = None
        return _entry(json.loads(text))

    def check_free(self, name: str, *, source: str, query: str, replace: bool = False) -> None:
        """Raise :class:`StoreConflict` when saving ``source``/``query`` as ``name`` would replace
        an entry of another request (call it before a long pull; :meth:`save` checks again)."""
        if not replace:
            self._refuse_other_request(self.safe_name(name), source, query, writer=False)

    @contextmanager
    def panel_writer(
        self, name: str, *, source: str, query: str, replace: bool = False, staged: bool = False, wait: float = 120.0
    ) -> Iterator[PanelEntryWriter]:
        """Write the dataset entry ``name`` block by block, as one unit (see :class:`PanelEntryWriter`).

        The entry's lock is held from here to the end of the ``with`` block, so two writers of
        one entry take turns (the second can see what the first stored: ``current()``);
        readers are never blocked. An entry holding another request is refused as by
        :meth:`save`. Leaving the block without ``commit()`` (an error, a cancelled job) stores
        nothing and leaves the old entry as it was. :class:`StoreUnavailable` when the lock
        is not had within ``wait`` seconds or the store cannot be written.
        """
        name = self.safe_name(name)
        with ExitStack() as stack:
            try:
                stack.enter_context(locked(self._lock_path(name), f"store entry {name}", timeout=wait))
                self._recover(name)
            except InputError as exc:
                raise StoreUnavailable(str(exc)) from None
            except OSError as exc:
                raise _unavailable(self.root, name, exc) from None
            if not replace:
                self._refuse_other_request(name, source, query)
            writer = PanelEntryWriter(self, name, source, query, staged=staged)
            stack.callback(writer.discard)
            yield writer

    def remove(self, name: str) -> None:
        """Delete the entry ``name`` (under its lock; readers see it whole or not at all)."""
        name = self.safe_name(name)
        with locked(self._lock_path(name), f"store entry {name}"):
            self._recover(name)
            folder = self.root / name
            if not folder.exists():
                return
            gone = self.root / f".{name}.{secrets.token_hex(8)}.del"
            _rename(folder, gone)
            fsync_folder(self.root)
        shutil.rmtree(gone, ignore_errors=True)

    def _refuse_other_request(self, name: str, source: str, query: str, *, writer: bool = True) -> None:
        current = self._read(name, full=False, writer=writer)
        if isinstance(current, tuple) and (current[0].source, current[0].query) != (source, query):
            current = self._read(name, full=True, writer=writer)  # a damaged entry may be replaced
        if isinstance(current, tuple):
            entry = current[0]
            if (entry.source, entry.query) != (source, query):
                raise StoreConflict(
                    f"store entry {name!r} already holds another pull ({entry.query}, from {entry.source}); "
                    "choose another name or replace it.",
                    option="replace",
                )

    def _swap_in(self, name: str, frame: pd.DataFrame, token: str, manifest: str) -> None:
        """Write the entry into a temp folder, then rename it into place (the old one aside first)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        new = self.root / f".{name}.{token}.new"
        new.mkdir()
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            meta = json.dumps({"name": name, "token": token}).encode()
            pq.write_table(
                table.replace_schema_metadata({**(table.schema.metadata or {}), _META_KEY: meta}), new / DATA
            )
            (new / MANIFEST).write_text(manifest, encoding="utf-8")
            for part in (new / DATA, new / MANIFEST):
                fsync_file(part)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        self._put_in_place(name, new, token)

    def _put_in_place(self, name: str, new: Path, token: str) -> None:
        """Rename the finished temp folder ``new`` to the entry (the old entry aside first, removed
        once the new one is in place); called under the entry's lock."""
        try:
            fsync_folder(new)
            final, old = self.root / name, self.root / f".{name}.{token}.old"
            if final.exists():
                _rename(final, old)
            try:
                _rename(new, final)
            except OSError:
                if old.exists():
                    os.replace(old, final)
                raise
            fsync_folder(self.root)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        shutil.rmtree(old, ignore_errors=True)
        for legacy in self._legacy_files(name):
            legacy.unlink(missing_ok=True)

    def _recover(self, name: str) -> None:
        """Under the entry's lock: put back an entry a killed writer had moved aside, and remove
        the temp folders of killed writers."""
        final = self.root / name
        for leftover in sorted(self.root.glob(f".{name}.*.old")):
            if not final.exists() and re.fullmatch(rf"\.{re.escape(name)}\.[0-9a-f]{{16}}\.old", leftover.name):
                os.replace(leftover, final)
            else:
                shutil.rmtree(leftover, ignore_errors=True)
        for leftover in self.root.glob(f".{name}.*.*"):
            if re.fullmatch(rf"\.{re.escape(name)}\.[0-9a-f]{{16}}\.(new|del)", leftover.name):
                shutil.rmtree(leftover, ignore_errors=True)

    def _lock_path(self, name: str) -> Path:
        return self.root / ".locks" / f"{name}.lock"

    # --- reading ----------------------------------------------------------------------
    def scan(self) -> tuple[list[StoreEntry], list[DamagedEntry]]:
        """Every entry, by name: the usable ones and the damaged ones (a quick check: the
        manifest, and the data file's row count, columns and token; :meth:`load` checks all)."""
        good: list[StoreEntry] = []
        bad: list[DamagedEntry] = []
        for name in self._names():
            found = self._read(name, full=False)
            if isinstance(found, DamagedEntry):
                bad.append(found)
            elif found is not None:
                good.append(found[0])
        return good, bad

    def entries(self) -> list[StoreEntry]:
        """The usable entries, by name (damaged ones: :meth:`scan`)."""
        return self.scan()[0]

    def entry(self, name: str) -> StoreEntry | None:
        """The manifest of ``name`` after every check of :meth:`load`; None when it is not stored
        or damaged (:meth:`damaged` says why), so that a caller online fetches it again."""
        found = self._read(self.safe_name(name), full=True, keep=True)
        return found[0] if isinstance(found, tuple) else None

    def damaged(self, name: str) -> DamagedEntry | None:
        """Why ``name`` cannot be used, or None when it is fine or not stored."""
        found = self._read(self.safe_name(name), full=True)
        return found if isinstance(found, DamagedEntry) else None

    def read(self, name: str) -> tuple[StoreEntry, pd.DataFrame]:
        """The manifest of ``name`` and its table, checked against each other and read as one
        version (a dataset entry: read whole); :class:`StoreDamaged` or an InputError when it
        cannot be used."""
        entry, data = self._found(name)
        return entry, self._whole(entry, data)

    def panel(self, name: str, *, label: str | None = None) -> tuple[StoreEntry, PartitionedPanel]:
        """The manifest of dataset entry ``name`` and its dataset, every file's footer checked
        (nothing else is read); ``label`` names it in messages (default: the entry's name)."""
        entry, data = self._found(name)
        if not isinstance(data, PartitionedPanel):
            raise InputError(f"{entry.name}: stored as one table, not as a dataset; pull it again to store it so.")
        return entry, data.renamed(label) if label else data

    def _found(self, name: str) -> tuple[StoreEntry, pd.DataFrame | PartitionedPanel]:
        found = self._read(self.safe_name(name), full=True)
        if found is None:
            raise InputError(f"{name}: not in the local store ({self.root}); pull it first.")
        if isinstance(found, DamagedEntry):
            raise StoreDamaged(found)
        return found  # type: ignore[return-value]  # full reads carry their data

    def _whole(
        self, entry: StoreEntry, data: pd.DataFrame | PartitionedPanel, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """A table as a frame: a dataset entry read whole (or ``columns``) and given the checks of
        a table, which need every row (one row per date and id, the frequency)."""
        if isinstance(data, pd.DataFrame):
            return data
        frame = data.read_dates(columns=columns)
        try:
            _check_table(frame, entry.extra.get("freq"))
        except _Damage as exc:
            raise StoreDamaged(
                DamagedEntry(entry.name, str(exc), self.root / entry.name, entry.extra.get("fix"))
            ) from None
        return frame

    def load(self, name: str) -> pd.DataFrame:
        """The stored table ``name`` (checked: see :meth:`read`)."""
        return self.read(name)[1]

    def dataset(self, name: str, kind: str = "returns", *, streamed: bool = False) -> Dataset:
        """A stored long table (``date, id, ret``, ...) as a ``returns`` or ``panel`` data set.

        The panel's name gets a `` (panel)`` suffix so both can sit in one workspace. With
        ``streamed``, a dataset entry's panel is the stored dataset itself
        (:class:`~analytics.data.partitioned.PartitionedPanel`, read by blocks of dates, its
        dates as pulled); otherwise a frame in memory, monthly dates at month-end.
        """
        from analytics.data.dataset import Dataset, describe_frame, describe_returns

        if kind not in ("returns", "panel"):
            raise InputError(f"{name}: a stored stock table loads as returns or panel, not {kind!r}.")
        entry, data = self._found(name)
        columns = ["date", *data.types] if isinstance(data, PartitionedPanel) else list(data.columns)
        freq = entry.extra.get("freq")
        if freq not in ("daily", "monthly") or not {"date", "id", "ret"} <= set(columns):
            raise InputError(f"{name}: not a stored stock table (needs date, id, ret and a frequency); pull it again.")
        notes = tuple(entry.extra.get("notes", ()))
        if streamed and kind == "panel" and isinstance(data, PartitionedPanel):
            stored = data.renamed(f"{entry.name} (panel)")
            return Dataset(stored.name, "panel", stored, stored.describe(), notes=notes)
        frame = self._whole(entry, data, ["id", "ret"] if kind == "returns" else None)
        long = frame.assign(date=normalize_dates(pd.DatetimeIndex(frame["date"]), freq), id=frame["id"].astype(str))
        if kind == "panel":
            panel = long.sort_values(["date", "id"]).reset_index(drop=True)
            return Dataset(f"{entry.name} (panel)", "panel", panel, describe_frame(panel, "rows"), notes=notes)
        assets = long.pivot(index="date", columns="id", values="ret").rename_axis(index=None, columns=None)
        returns = ReturnsData(assets, pd.DataFrame(index=assets.index), freq, f"store:{entry.name}", notes)
        return Dataset(entry.name, "returns", returns, describe_returns(returns), notes=notes)

    def _names(self) -> list[str]:
        """Entry names: folders, and old-layout pairs not yet migrated."""
        names = set()
        for path in self.root.iterdir():
            if path.name.startswith("."):
                continue
            if path.suffix == ".json" and path.with_suffix(".parquet").exists():
                names.add(path.stem)  # an old pair, even when its manifest is damaged (a folder)
            elif path.is_dir():
                names.add(path.name)
        return sorted(names)

    def _read(
        self, name: str, *, full: bool, writer: bool = False, keep: bool = False
    ) -> tuple[StoreEntry, pd.DataFrame | PartitionedPanel | None] | DamagedEntry | None:
        """The entry (and its table or dataset when ``full``), a DamagedEntry, or None when not stored.
        ``writer``: called under the entry's lock (no migration, no waiting for writers);
        ``keep``: keep the table for the next read (see ``_cache``)."""
        folder = self.root / name
        seen: set[tuple[str, str]] = set()
        try:
            for _ in range(_RETRIES):
                if not folder.exists():
                    if self._legacy_files(name):
                        return self._migrate(name, full=full, persist=not writer)
                    if writer or not self._writer_moved_it(name):
                        return None
                    continue
                try:
                    return self._read_folder(folder, full=full, keep=keep)
                except _Moved as moved:
                    if moved.args and moved.args in seen:
                        raise _Damage(f"{DATA} belongs to another write of this entry") from None
                    seen.add(moved.args)
                    time.sleep(0.01)
        except _Damage as exc:
            return DamagedEntry(name, exc.args[0], folder, *exc.args[1:])
        except OSError as exc:
            return DamagedEntry(name, f"cannot read it: {exc.strerror or exc}", folder)
        return DamagedEntry(name, "it kept changing while read; another program rewrites it in a loop", folder)

    def _writer_moved_it(self, name: str) -> bool:
        """The entry is missing while a writer swaps it: wait for that writer (or, if it was
        killed, put the old entry back); True when it is worth reading again."""
        if not any(self.root.glob(f".{name}.*.old")):
            return False
        try:
            with locked(self._lock_path(name), f"store entry {name}", timeout=30):
                self._recover(name)
        except OSError:
            return False  # a read-only store: nothing to recover into
        return (self.root / name).exists()

    def _read_folder(
        self, folder: Path, *, full: bool, keep: bool
    ) -> tuple[StoreEntry, pd.DataFrame | PartitionedPanel | None]:
        """Manifest, then the data through one open handle (one version of the file even if a
        writer renames the folder meanwhile), checked against each other."""
        import pyarrow.parquet as pq

        manifest = _check_manifest(_load_manifest(folder / MANIFEST), folder.name)
        entry = _entry(manifest)
        if manifest["data"] != DATA:
            try:
                return entry, _read_panel(folder, manifest, full=full)
            except _Damage as exc:
                raise _Damage(exc.args[0], manifest["extra"].get("fix")) from None
        try:
            handle = open(folder / manifest["data"], "rb")  # noqa: SIM115 -- closed below, after the read
        except FileNotFoundError:
            if _token(folder) == manifest["token"] and not (folder / manifest["data"]).exists():
                raise _Damage(f"{manifest['data']} is missing") from None  # the same manifest, still no data
            raise _Moved() from None  # the folder was between two renames
        with handle:
            stamp = _stamp(os.fstat(handle.fileno()))
            cached = self._cache
            if full and cached is not None and cached[:3] == (folder.name, manifest["token"], stamp):
                self._cache = None  # handed out once: the caller may change its table
                return cached[3], cached[4]
            try:
                parquet = pq.ParquetFile(handle)
            except Exception as exc:  # noqa: BLE001 -- pyarrow raises its own types for damaged files
                raise _Damage(f"{DATA} is not a readable Parquet file ({_first_line(exc)})") from None
            _check_head(parquet, manifest, folder.name)
            if not full:
                return entry, None
            try:
                frame = parquet.read().to_pandas()
            except Exception as exc:  # noqa: BLE001 -- pyarrow raises its own types for damaged files
                raise _Damage(f"{DATA} is not a readable Parquet file ({_first_line(exc)})") from None
        _check_table(frame, entry.extra.get("freq"))
        _check_fingerprints(frame, manifest["checks"])
        if keep:
            self._cache = (folder.name, manifest["token"], stamp, entry, frame)
        return entry, frame

    # --- the old layout ---------------------------------------------------------------
    def _legacy_files(self, name: str) -> list[Path]:
        pair = [self.root / f"{name}.json", self.root / f"{name}.parquet"]
        return pair if all(p.exists() for p in pair) else []

    def _migrate(
        self, name: str, *, full: bool, persist: bool
    ) -> tuple[StoreEntry, pd.DataFrame | None] | DamagedEntry:
        """Read an old-layout pair, check it, and (``persist``) rewrite it as a folder; kept as it
        was when damaged, or when the store cannot be written."""
        manifest_path, data = self.root / f"{name}.json", self.root / f"{name}.parquet"
        try:
            raw = _load_manifest(manifest_path)
            if not isinstance(raw, dict) or set(raw) != {"name", "source", "query", "pulled_at", "rows", "extra"}:
                raise _Damage("not a FactorDesk manifest")
            manifest = _check_fields(raw)
            frame = _read_parquet(data)
            if len(frame) != manifest["rows"]:
                raise _Damage(f"{data.name} has {len(frame)} rows, the manifest says {manifest['rows']}")
            _check_table(frame, manifest["extra"].get("freq"))
        except _Damage as exc:
            return DamagedEntry(name, f"old layout: {exc}", manifest_path)
        entry = _entry(manifest)
        if persist:
            try:
                entry = self._write(name, frame, entry.source, entry.query, entry.pulled_at, entry.extra, replace=True)
            except InputError:
                pass  # a store we cannot write: use the entry where it is
        return entry, (frame if full else None)


class PanelEntryWriter:
    """Builds a dataset entry in a temp folder, block by block, and puts it in place on :meth:`commit`.

    Made by :meth:`Store.panel_writer`, which holds the entry's lock meanwhile. Blocks are
    panel frames (``date, id``, numeric columns): whole dates, or with ``staged`` any slices
    (a WRDS pull's chunks of ids), reorganized into one file per date when committed.
    """

    def __init__(self, store: Store, name: str, source: str, query: str, *, staged: bool) -> None:
        self.store, self.name, self.source, self.query = store, name, source, query
        self.token = secrets.token_hex(8)
        self.folder = store.root / f".{name}.{self.token}.new"
        self.data = f"{PANEL}-{self.token}"
        try:
            self.folder.mkdir()
            self._writer = PartitionedWriter(
                self.folder / self.data, staged=staged, meta={"name": name, "token": self.token}
            )
        except OSError as exc:
            self.discard()
            raise _unavailable(store.root, name, exc) from None

    def current(self) -> tuple[StoreEntry, PartitionedPanel] | DamagedEntry | None:
        """The entry as stored now: its dataset (every file's footer checked), why it is damaged,
        or None when there is none (or it is one table, not a dataset)."""
        found = self.store._read(self.name, full=True, writer=True)
        if isinstance(found, tuple):
            return found if isinstance(found[1], PartitionedPanel) else None  # type: ignore[return-value]
        return found

    def add(self, block: pd.DataFrame) -> None:
        """Write one block of rows (see :class:`~analytics.data.partitioned.PartitionedWriter`)."""
        try:
            self._writer.add(block)
        except OSError as exc:
            raise _unavailable(self.store.root, self.name, exc) from None

    def commit(self, **extra: Any) -> tuple[StoreEntry, PartitionedPanel]:
        """Finish the dataset, write the manifest (``extra`` as for :meth:`Store.save`; ``freq``
        is checked against the dates, and detected when not given) and put the entry in place."""
        try:
            panel = self._writer.close(extra.get("freq"))
        except InputError as exc:
            raise InputError(f"{self.name}: refusing to store a panel that would not read back ({exc})") from None
        except OSError as exc:
            raise _unavailable(self.store.root, self.name, exc) from None
        if panel.frequency is not None:
            extra.setdefault("freq", panel.frequency)
        manifest = {
            "layout": LAYOUT,
            "name": self.name,
            "source": self.source,
            "query": self.query,
            "pulled_at": datetime.now(UTC).isoformat(),
            "rows": panel.n_rows,
            "columns": ["date", *panel.types],
            "data": self.data,
            "checks": _panel_checks(panel),
            "token": self.token,
            "extra": extra,
        }
        text = json.dumps(manifest, indent=2, default=str)
        try:
            (self.folder / MANIFEST).write_text(text, encoding="utf-8")
            fsync_file(self.folder / MANIFEST)
            self.store._put_in_place(self.name, self.folder, self.token)
        except OSError as exc:
            raise _unavailable(self.store.root, self.name, exc) from None
        self.store._cache = None
        entry = _entry(json.loads(text))
        folder = self.store.root / self.name
        return entry, PartitionedPanel(
            folder / self.data,
            name=self.name,
            damaged=DamagedEntry(self.name, "{reason}", folder, extra.get("fix")).message,
        )

    def discard(self) -> None:
        """Remove the temp folder (nothing once committed: it became the entry)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _unavailable(root: Path, name: str, exc: OSError) -> StoreUnavailable:
    return StoreUnavailable(
        f"{name}: cannot save into the local store {root} ({exc.strerror or exc}); the previous entry is unchanged."
    )


def _read_panel(folder: Path, manifest: dict[str, Any], *, full: bool) -> PartitionedPanel | None:
    """A dataset entry's dataset, checked against the entry's manifest: its own manifest (token,
    columns, rows, frequency, fingerprints) always, every file's footer when ``full``."""
    name, token, part = folder.name, manifest["token"], manifest["data"]
    damaged = DamagedEntry(name, "{reason}", folder, manifest["extra"].get("fix")).message
    try:
        panel = PartitionedPanel(folder / part, name=name, damaged=damaged)
    except DatasetDamaged as exc:
        raise _Damage(f"{part}: {exc.reason}") from None
    except InputError:  # no manifest there, or not a dataset's
        if _token(folder) != token:
            raise _Moved() from None  # the folder was between two renames
        raise _Damage(f"{part} is missing or not a dataset") from None
    mark = panel.meta
    if mark.get("token") != token:
        if mark.get("name") == name and isinstance(mark.get("token"), str):
            raise _Moved(token, mark["token"])
        raise _Damage(f"{part} does not belong to this manifest")
    if ["date", *panel.types] != manifest["columns"]:
        raise _Damage(f"{part} has columns {['date', *panel.types]}, the manifest lists {manifest['columns']}")
    if panel.n_rows != manifest["rows"]:
        raise _Damage(f"{part} has {panel.n_rows} rows, the manifest says {manifest['rows']}")
    freq = manifest["extra"].get("freq")
    if freq is not None and panel.frequency != freq:
        raise _Damage(f"the dates are {panel.frequency or 'irregular'}, the manifest says {freq}")
    if _panel_checks(panel) != manifest["checks"]:
        raise _Damage(f"{part} does not match the manifest's fingerprints (changed or rescaled)")
    if not full:
        return None
    try:
        panel.verify()
    except DatasetDamaged as exc:
        if _token(folder) != token:
            raise _Moved() from None
        raise _Damage(f"{part}: {exc.reason}") from None
    return panel


def _panel_checks(panel: PartitionedPanel) -> dict[str, list[Any]]:
    """A dataset's fingerprints, from its manifest: rows and first and last date; rows and ids;
    per numeric column, rows and the smallest and largest value (which its files' footers hold)."""
    rows = panel.n_rows
    dates = panel.dates
    out: dict[str, list[Any]] = {
        "date": [rows, str(dates[0].date()), str(dates[-1].date())] if len(dates) else [rows],
        "id": [rows, panel.id_count],
    }
    stats = panel.stats or {}
    for column in panel.columns:
        out[column] = [rows, *(stats.get(column) or [None, None])]
    return out


# --- checks -----------------------------------------------------------------------------
_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "source": str,
    "query": str,
    "pulled_at": str,
    "rows": int,
    "extra": dict,
}
_V2_FIELDS: dict[str, type | tuple[type, ...]] = {
    "layout": int,
    "columns": list,
    "data": str,
    "checks": dict,
    "token": str,
}
#: Extra fields FactorDesk writes, and the type each must have when present.
_EXTRA_TYPES: dict[str, type] = {
    "freq": str,
    "notes": list,
    "tables": list,
    "mapping": list,
    "delisting": str,
    "format": str,
    "fix": str,
    "file": dict,
}


def _load_manifest(path: Path) -> Any:
    """The manifest's JSON, read through one handle (a writer may rename the folder meanwhile)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > _MAX_MANIFEST:
                raise _Damage(f"{path.name} is {size} bytes, far too large for a manifest")
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        if not path.exists() and path.parent.exists():
            raise _Damage(f"{path.name} is missing") from None
        raise _Moved() from None  # the folder was between two renames
    except IsADirectoryError:
        raise _Damage(f"{path.name} is not a file") from None
    except UnicodeDecodeError:
        raise _Damage(f"{path.name} is not text") from None
    except OSError as exc:
        raise _Damage(f"cannot read {path.name}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _Damage(f"{path.name} is not valid JSON: {exc}") from None


def _token(folder: Path) -> str | None:
    """The token of the manifest in ``folder`` now, if it can be read."""
    try:
        raw = _load_manifest(folder / MANIFEST)
    except (_Damage, _Moved):
        return None
    return raw.get("token") if isinstance(raw, dict) else None


def _check_manifest(raw: Any, folder: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Damage(f"{MANIFEST} holds a {type(raw).__name__}, not a manifest")
    manifest = _check_fields(raw, {**_FIELDS, **_V2_FIELDS})
    if manifest["layout"] != LAYOUT:
        raise _Damage(f"layout {manifest['layout']} is not one this FactorDesk reads ({LAYOUT})")
    if manifest["name"] != folder:
        raise _Damage(f"the manifest names {manifest['name']!r}, not {folder!r}")
    if manifest["data"] not in (DATA, f"{PANEL}-{manifest['token']}"):
        raise _Damage(f"data part {manifest['data']!r} is not one this FactorDesk reads")
    if not all(isinstance(c, str) for c in manifest["columns"]):
        raise _Damage("column names in the manifest are not all text")
    checks = manifest["checks"]
    if set(checks) != set(manifest["columns"]) or not all(
        isinstance(v, list) and v and isinstance(v[0], int) and not isinstance(v[0], bool) for v in checks.values()
    ):
        raise _Damage("field 'checks' does not describe the columns")
    return manifest


def _check_fields(raw: dict[str, Any], fields: dict[str, type | tuple[type, ...]] = _FIELDS) -> dict[str, Any]:
    """Each field present with its type; ``pulled_at`` a time-zoned date-time not in the future."""
    for key, kind in fields.items():
        if key not in raw:
            raise _Damage(f"field {key!r} is missing")
        value = raw[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _Damage(f"field {key!r} is {json.dumps(value)[:60]}, not {_kind_name(kind)}")
    if raw["rows"] < 0:
        raise _Damage(f"field 'rows' is {raw['rows']}")
    try:
        pulled = datetime.fromisoformat(raw["pulled_at"])
    except ValueError:
        raise _Damage(f"field 'pulled_at' is {raw['pulled_at']!r}, not a date-time") from None
    if pulled.tzinfo is None:
        raise _Damage(f"field 'pulled_at' ({raw['pulled_at']}) has no time zone")
    if pulled > datetime.now(UTC) + timedelta(days=1):
        raise _Damage(f"field 'pulled_at' ({raw['pulled_at']}) is in the future")
    for key, kind in _EXTRA_TYPES.items():
        if key in raw["extra"] and not isinstance(raw["extra"][key], kind):
            raise _Damage(f"extra field {key!r} is {json.dumps(raw['extra'][key])[:60]}, not {_kind_name(kind)}")
    freq = raw["extra"].get("freq")
    if freq is not None and freq not in FREQUENCIES:
        raise _Damage(f"extra field 'freq' is {freq!r}, not one of {', '.join(FREQUENCIES)}")
    return raw


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names: dict[type | tuple[type, ...], str] = {str: "text", int: "a whole number", dict: "an object", list: "a list"}
    return names[kind] if kind in names else str(getattr(kind, "__name__", kind))


def _entry(manifest: dict[str, Any]) -> StoreEntry:
    return StoreEntry(*(manifest[k] for k in ("name", "source", "query", "pulled_at", "rows", "extra")))


def _check_head(parquet: Any, manifest: dict[str, Any], name: str) -> None:
    """The data file's own metadata (token), column names, row count and date type against the
    manifest: all from the footer, cheap enough for every entry of a listing."""
    import pyarrow as pa

    schema = parquet.schema_arrow
    raw = (schema.metadata or {}).get(_META_KEY)
    try:
        mark = json.loads(raw) if raw is not None else None
    except ValueError:
        mark = None
    if not isinstance(mark, dict) or mark.get("token") != manifest["token"]:
        if isinstance(mark, dict) and mark.get("name") == name and isinstance(mark.get("token"), str):
            raise _Moved(manifest["token"], mark["token"])  # another write of this entry: renamed in between?
        raise _Damage(f"{DATA} does not belong to this manifest")
    if list(schema.names) != manifest["columns"]:
        raise _Damage(f"{DATA} has columns {list(schema.names)}, the manifest lists {manifest['columns']}")
    rows = parquet.metadata.num_rows
    if rows != manifest["rows"]:
        raise _Damage(f"{DATA} has {rows} rows, the manifest says {manifest['rows']}")
    if "date" in schema.names and not pa.types.is_timestamp(schema.field("date").type):
        raise _Damage(f"column 'date' holds {schema.field('date').type} values, not dates")


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        frame: pd.DataFrame = pq.read_table(path).to_pandas()  # pyarrow is untyped
    except FileNotFoundError:
        raise _Moved() from None
    except Exception as exc:  # noqa: BLE001 -- pyarrow raises its own types for damaged files
        raise _Damage(f"{path.name} is not a readable Parquet file ({_first_line(exc)})") from None
    return frame


def _check_table(frame: pd.DataFrame, freq: str | None) -> None:
    """Dates that are dates, no duplicate (date, id) rows, and the frequency the manifest says."""
    if "date" not in frame.columns:
        return
    dates = frame["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise _Damage(f"column 'date' holds {dates.dtype} values, not dates")
    if dates.isna().any():
        raise _Damage(f"column 'date' is empty in row {int(np.flatnonzero(dates.isna().to_numpy())[0]) + 1}")
    keys = ["date", "id"] if "id" in frame.columns else ["date"]
    dup = frame.duplicated(keys).to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        what = " and ".join(f"{k} {frame[k].iloc[row]}" for k in keys)
        raise _Damage(f"{what} appears twice (row {row + 1})")
    unique = pd.DatetimeIndex(dates.unique())
    if freq is not None and len(unique) >= 3:
        try:
            found = detect_frequency(unique, "the table")
        except InputError as exc:
            raise _Damage(str(exc)) from None
        if found != freq:
            raise _Damage(f"the dates are {found}, the manifest says {freq}")


def _fingerprints(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Per column: non-missing count and, for numbers, their sum; for dates, first and last."""
    out: dict[str, list[Any]] = {}
    for column in frame.columns:
        values = frame[column]
        count = int(values.notna().sum())
        if pd.api.types.is_datetime64_any_dtype(values):
            out[str(column)] = [count, str(values.min()), str(values.max())]
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            total = float(np.nansum(values.to_numpy(dtype=float)))
            out[str(column)] = [count, total if math.isfinite(total) else str(total)]
        else:
            out[str(column)] = [count]
    return out


def _check_fingerprints(frame: pd.DataFrame, stored: dict[str, Any]) -> None:
    found = _fingerprints(frame)
    for column, expected in stored.items():
        got = found[column]
        if got[0] != expected[0]:
            raise _Damage(f"column {column!r} has {got[0]} values, the manifest says {expected[0]}")
        if len(got) != len(expected) or not all(_same(a, b) for a, b in zip(got[1:], expected[1:])):
            raise _Damage(f"the values of column {column!r} differ from what was stored (changed or rescaled)")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    """Changes when the file is rewritten in place (a damaged copy), for the one-entry cache."""
    return info.st_ino, info.st_size, info.st_mtime_ns


def _rename(source: Path, target: Path) -> None:
    """``os.replace``; on Windows, where a folder with a file open in it cannot be renamed,
    retried for a second while a reader finishes."""
    for _ in range(20 if sys.platform == "win32" else 0):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            time.sleep(0.05)
    os.replace(source, target)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
