"""Panel files kept in the local store: loaded once, read by blocks of dates afterwards.

The first time a stock panel file (CSV, Excel, Parquet) is used it is loaded as usual and
written into the local store (:mod:`analytics.data.store`) as a date-partitioned dataset;
later runs, the command line's and the GUI's, find that entry and read it a block of dates
at a time, never loading the file again.

Which entry belongs to a file: the entry's name is a hash of the file's real path, the loading
options (id column, date column, sheet), its size, its modification time and a SHA-256 of
sampled content (the first and last MiB and 62 blocks of 64 KiB spread evenly: about 6 MiB
read, whatever the file's size). A file that changes therefore gets a new entry, never a
stale one, and finding the entry costs a stat and a few reads, not a pass over the file (a
full SHA-256 of a 10 GB file takes longer than reading the stored dataset). What the key
cannot see: a change that keeps the size and the modification time (a time reset on purpose)
and touches none of the sampled blocks.

The entry of an earlier version of the same file (same path and options) is removed once the
new one is stored, so a panel edited every month does not pile up copies. A damaged entry is
stored anew from the file. When the store cannot take the entry (not writable, full, another
program storing the same file for longer than :data:`WAIT` seconds, or the file changed while
it was loaded) the panel is used as loaded, in memory. Each case has its note.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.data.partitioned import PartitionedPanel
from analytics.data.store import DamagedEntry, PanelEntryWriter, Store, StoreDamaged, StoreEntry, StoreUnavailable
from analytics.errors import InputError

__all__ = ["SOURCE", "WAIT", "PanelFileKey", "stored_panel"]

#: The ``source`` of stored panel files in the store's manifests.
SOURCE = "panel file"
#: Seconds to wait for another program that is storing the same file (then: load it here).
WAIT = 600.0
_EDGE = 1 << 20  # bytes hashed at each end
_BLOCK = 64 << 10  # bytes of each sampled block in between
_BLOCKS = 62

Loader = Callable[[], tuple[pd.DataFrame, tuple[str, ...]]]


@dataclass(frozen=True)
class PanelFileKey:
    """What identifies one version of a panel file read with some options (see the module docstring)."""

    path: str
    size: int
    mtime_ns: int
    sample: str
    options: dict[str, Any]

    @classmethod
    def of(cls, path: str | Path, options: dict[str, Any]) -> PanelFileKey:
        """The key of the file at ``path`` as it is now."""
        real = os.path.realpath(path)
        with open(real, "rb") as handle:
            info = os.fstat(handle.fileno())
            sample = _sampled_sha256(handle, info.st_size)
        return cls(real, info.st_size, info.st_mtime_ns, sample, dict(sorted(options.items())))

    @property
    def name(self) -> str:
        """The store entry's name: the file's stem and a hash of the whole key."""
        digest = hashlib.sha256(json.dumps(self.extra, sort_keys=True).encode()).hexdigest()[:12]
        return f"panel_{Store.safe_name(Path(self.path).stem)[:40]}_{digest}"

    @property
    def query(self) -> str:
        """The entry's query, as ``store list`` shows it."""
        modified = datetime.fromtimestamp(self.mtime_ns / 1e9, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        chosen = ", ".join(f"{k} {v}" for k, v in self.options.items() if v is not None)
        return (
            f"{self.path} ({self.size} bytes, modified {modified}"
            + (f"; {chosen}" if chosen else "")
            + f"; sampled SHA-256 {self.sample[:16]})"
        )

    @property
    def extra(self) -> dict[str, Any]:
        """The key as the entry's manifest keeps it (``extra['file']``)."""
        return {
            "path": self.path,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "sample": self.sample,
            "options": self.options,
        }


def _sampled_sha256(handle: Any, size: int) -> str:
    """SHA-256 of the whole file up to 8 MiB; beyond, of its ends and evenly spread blocks."""
    digest = hashlib.sha256(str(size).encode())
    if size <= 2 * _EDGE + _BLOCKS * _BLOCK:
        digest.update(handle.read())
        return digest.hexdigest()
    step = (size - 2 * _EDGE) // (_BLOCKS + 1)
    for offset, length in [
        (0, _EDGE),
        *((_EDGE + step * (i + 1), _BLOCK) for i in range(_BLOCKS)),
        (size - _EDGE, _EDGE),
    ]:
        handle.seek(offset)
        digest.update(handle.read(length))
    return digest.hexdigest()


def stored_panel(
    path: str | Path, load: Loader, *, options: dict[str, Any], store: Store | None = None
) -> tuple[pd.DataFrame | PartitionedPanel, tuple[str, ...]]:
    """The panel file at ``path`` from the local store, stored first when it is not there.

    Parameters
    ----------
    path : path
        The panel file.
    load : callable
        Loads the file as a canonical panel frame and its notes (called only when the file has
        to be stored, under the entry's lock, so two programs never both load it).
    options : dict
        The loading options ``load`` uses (part of the key).
    store : Store, optional
        Default: the user's local store.

    Returns
    -------
    The stored dataset (named as the file in messages), or the loaded frame when the store
    could not take it; and the notes: the loader's, then where the panel came from.
    """
    label = Path(path).name
    try:
        key = PanelFileKey.of(path, options)
    except OSError:
        return load()  # missing, a folder, not readable: the loader says so, naming the file
    try:
        store = store or Store()
        found = _stored(store, key.name, label)
        if isinstance(found, tuple):
            return found[1], (*found[0].extra.get("notes", ()), _read_note(label, found[0]))
        with store.panel_writer(key.name, source=SOURCE, query=key.query, wait=WAIT) as writer:
            current = writer.current()
            if isinstance(current, tuple):  # another program stored it while this one waited
                return current[1].renamed(label), (*current[0].extra.get("notes", ()), _read_note(label, current[0]))
            return _store(store, writer, key, load, label, current)
    except StoreUnavailable as exc:
        frame, notes = load()
        return frame, (*notes, f"{label}: read from the file, not kept in the local store ({exc})")
    except OSError as exc:  # the store's folder cannot be made
        frame, notes = load()
        return frame, (*notes, f"{label}: read from the file; the local store cannot be used ({exc.strerror or exc}).")


def _stored(store: Store, name: str, label: str) -> tuple[StoreEntry, PartitionedPanel] | DamagedEntry | None:
    """The usable entry, why it is damaged, or None when there is none."""
    try:
        return store.panel(name, label=label)
    except StoreDamaged as exc:
        return exc.damaged
    except InputError:
        return None  # not stored yet (or as one table): store it


def _store(
    store: Store, writer: PanelEntryWriter, key: PanelFileKey, load: Loader, label: str, damaged: DamagedEntry | None
) -> tuple[pd.DataFrame | PartitionedPanel, tuple[str, ...]]:
    """Load the file and write it as the entry (under its lock); remove earlier versions' entries."""
    began = time.perf_counter()
    frame, notes = load()
    loaded = time.perf_counter()
    extra = [] if damaged is None else [f"{label}: the stored copy was damaged ({damaged.reason}); stored anew."]
    if PanelFileKey.of(key.path, key.options) != key:
        return frame, (*notes, *extra, f"{label}: the file changed while it was read; not kept in the local store.")
    try:
        writer.add(frame)
        entry, panel = writer.commit(notes=list(notes), file=key.extra, fix=f"open {label} again")
    except StoreUnavailable as exc:
        return frame, (*notes, *extra, f"{label}: read from the file, not kept in the local store ({exc})")
    stored = time.perf_counter()
    extra.append(
        f"{label}: loaded in {loaded - began:.1f} s and stored in the local store as {entry.name} in "
        f"{stored - loaded:.1f} s ({entry.rows} rows, {len(panel.dates)} dates); later runs read it from there "
        "a block of dates at a time."
    )
    extra += [f"{label}: removed the stored copy of an earlier version ({old})." for old in _prune(store, key, entry)]
    return panel.renamed(label), (*notes, *extra)


def _prune(store: Store, key: PanelFileKey, kept: StoreEntry) -> list[str]:
    """Remove the entries of earlier versions of the same file read with the same options."""
    removed = []
    for entry in store.entries():
        file = entry.extra.get("file")
        if (
            entry.source == SOURCE
            and entry.name != kept.name
            and isinstance(file, dict)
            and (file.get("path"), file.get("options")) == (key.path, key.options)
        ):
            try:
                store.remove(entry.name)
            except (InputError, OSError):
                continue  # busy or not removable now: the next run tries again
            removed.append(entry.name)
    return removed


def _read_note(label: str, entry: StoreEntry) -> str:
    stored = entry.pulled_at[:16].replace("T", " ")
    return (
        f"{label}: read from the local store ({entry.name}, stored {stored} UTC; the file has not changed "
        "since) a block of dates at a time."
    )
