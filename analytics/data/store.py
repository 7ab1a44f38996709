"""The local store: data pulled from online sources, one folder per entry, checked when read.

Everything FactorDesk downloads (WRDS pulls, Ken French tables) is saved here so the app
works offline afterwards. An entry is a folder ``<name>/`` holding ``manifest.json`` (source,
query, pulled-at, rows, columns, a fingerprint of every column, extras) and the data,
``data.parquet`` (the manifest's ``data`` field names it, so the data part may later be a
folder of date-partitioned Parquet files). Why a folder, written whole:

- A writer builds the entry in a hidden temp folder beside it and renames it into place under
  a per-entry OS lock (:func:`~analytics.data.paths.locked`), so concurrent writers take turns
  and a crash leaves the old entry or the new one. Manifest and data share a random ``token``
  (in the manifest and in the Parquet file's own metadata): a reader that caught a rename
  between its two reads sees the tokens differ and reads again, so nobody ever gets one
  writer's manifest with another's data.
- Everything is validated when read: each manifest field's type, a time-zoned ``pulled_at``,
  the row count, the column names, the fingerprints (a table whose values were multiplied by
  100 no longer matches), real dates without duplicates, and the frequency against the data's
  own dates. A damaged entry is reported with its name and the fix (:class:`DamagedEntry`);
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
table itself), so every tab can use what was pulled, offline.
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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics.data.paths import data_dir, fsync_folder, locked
from analytics.data.returns import ReturnsData
from analytics.errors import InputError
from analytics.frequency import FREQUENCIES, detect_frequency, normalize_dates

if TYPE_CHECKING:
    from analytics.workspace import Dataset

__all__ = ["DamagedEntry", "Store", "StoreConflict", "StoreDamaged", "StoreEntry"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
LAYOUT = 2
MANIFEST = "manifest.json"
DATA = "data.parquet"
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

    @property
    def message(self) -> str:
        """One sentence: the entry, what is wrong, and how to fix it."""
        return (
            f"{self.name}: the stored copy is damaged ({self.reason}); pull or download it again when online "
            f"(that replaces it), or delete {self.path}."
        )


class StoreDamaged(InputError):
    """A stored entry failed its checks; ``damaged`` says which and why."""

    def __init__(self, damaged: DamagedEntry) -> None:
        super().__init__(damaged.message)
        self.damaged = damaged


class StoreConflict(InputError):
    """Saving would replace an entry that holds another request."""


class _Damage(Exception):
    """Raised inside the checks with the reason; becomes a :class:`DamagedEntry`."""


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
            "token": secrets.token_hex(8),
            "extra": extra,
        }
        text = json.dumps(manifest, indent=2, default=str)
        try:
            with locked(self._lock_path(name), f"store entry {name}"):
                self._recover(name)
                if not replace:
                    self._refuse_other_request(name, source, query)
                self._swap_in(name, frame, manifest["token"], text)
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

    def _refuse_other_request(self, name: str, source: str, query: str, *, writer: bool = True) -> None:
        current = self._read(name, full=False, writer=writer)
        if isinstance(current, tuple) and (current[0].source, current[0].query) != (source, query):
            current = self._read(name, full=True, writer=writer)  # a damaged entry may be replaced
        if isinstance(current, tuple):
            entry = current[0]
            if (entry.source, entry.query) != (source, query):
                raise StoreConflict(
                    f"store entry {name!r} already holds another pull ({entry.query}, from {entry.source}); "
                    "choose another name or replace it (--replace)."
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
                _fsync(part)
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
        for leftover in self.root.glob(f".{name}.*.new"):
            if re.fullmatch(rf"\.{re.escape(name)}\.[0-9a-f]{{16}}\.new", leftover.name):
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
        version; :class:`StoreDamaged` or an InputError when it cannot be used."""
        found = self._read(self.safe_name(name), full=True)
        if found is None:
            raise InputError(f"{name}: not in the local store ({self.root}); pull it first.")
        if isinstance(found, DamagedEntry):
            raise StoreDamaged(found)
        return found

    def load(self, name: str) -> pd.DataFrame:
        """The stored table ``name`` (checked: see :meth:`read`)."""
        return self.read(name)[1]

    def dataset(self, name: str, kind: str = "returns") -> Dataset:
        """A stored long table (``date, id, ret``, ...) as a ``returns`` or ``panel`` data set.

        The panel's name gets a `` (panel)`` suffix so both can sit in one workspace.
        """
        from analytics.workspace import Dataset, describe_frame, describe_returns

        if kind not in ("returns", "panel"):
            raise InputError(f"{name}: a stored stock table loads as returns or panel, not {kind!r}.")
        entry, frame = self.read(name)
        freq = entry.extra.get("freq")
        if freq not in ("daily", "monthly") or not {"date", "id", "ret"} <= set(frame.columns):
            raise InputError(f"{name}: not a stored stock table (needs date, id, ret and a frequency); pull it again.")
        long = frame.assign(date=normalize_dates(pd.DatetimeIndex(frame["date"]), freq), id=frame["id"].astype(str))
        notes = tuple(entry.extra.get("notes", ()))
        if kind == "panel":
            panel = long.sort_values(["date", "id"]).reset_index(drop=True)
            return Dataset(f"{entry.name} (panel)", "panel", panel, describe_frame(panel, "rows"), notes=notes)
        assets = long.pivot(index="date", columns="id", values="ret").rename_axis(index=None, columns=None)
        data = ReturnsData(assets, pd.DataFrame(index=assets.index), freq, f"store:{entry.name}", notes)
        return Dataset(entry.name, "returns", data, describe_returns(data), notes=notes)

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
    ) -> tuple[StoreEntry, pd.DataFrame | None] | DamagedEntry | None:
        """The entry (and its table when ``full``), a DamagedEntry, or None when not stored.
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
            return DamagedEntry(name, str(exc), folder)
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

    def _read_folder(self, folder: Path, *, full: bool, keep: bool) -> tuple[StoreEntry, pd.DataFrame | None]:
        """Manifest, then the data through one open handle (one version of the file even if a
        writer renames the folder meanwhile), checked against each other."""
        import pyarrow.parquet as pq

        manifest = _check_manifest(_load_manifest(folder / MANIFEST), folder.name)
        entry = _entry(manifest)
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
    if manifest["data"] != DATA:
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
    names = {str: "text", int: "a whole number", dict: "an object", list: "a list"}
    return names.get(kind, getattr(kind, "__name__", str(kind)))  # type: ignore[arg-type]


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
        return pq.read_table(path).to_pandas()
    except FileNotFoundError:
        raise _Moved() from None
    except Exception as exc:  # noqa: BLE001 -- pyarrow raises its own types for damaged files
        raise _Damage(f"{path.name} is not a readable Parquet file ({_first_line(exc)})") from None


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
    return a == b


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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
