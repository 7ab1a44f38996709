"""The workspace model: the data sets the user has loaded, shared by every tab, and the list of
files to reopen next time.

A thin Qt wrapper around :class:`analytics.data.dataset.Dataset` objects so that views can
react to changes (``sigChanged``); it holds data, never computes.

The saved list (:class:`SavedFile` entries: path, kind, reader, options, or the demo) is kept
here as its own ordered list, not derived from what is loaded at the moment. An entry joins it
when its file loads or when a restore begins, and leaves it only when the user removes it; a
file that is missing or cannot be read stays in it, marked unavailable with the reason. So the
list is consistent whenever it is saved, also in the middle of a restore (``sigFilesChanged``
says when to save it). :func:`read_saved_list` / :func:`write_saved_list` keep it in the
settings as one JSON string (a Qt list of none or one strings reads back as ``@Invalid()`` or a
plain string), and a damaged settings file is copied aside and reported once.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from analytics.data.dataset import Dataset

__all__ = [
    "DEMO",
    "SavedFile",
    "SavedList",
    "WorkspaceModel",
    "read_saved_list",
    "unavailable_reason",
    "write_saved_list",
]

#: The settings key of the saved list (a JSON string); ``workspace/files`` is the old list of paths.
LIST_KEY = "workspace/list"
OLD_KEY = "workspace/files"
DEMO = "demo"


@dataclass(frozen=True)
class SavedFile:
    """One entry of the saved workspace: a file and how it was read (or the demo workspace)."""

    path: str | None
    kind: str | None
    reader: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What identifies the entry in the list: its path (the demo: ``demo``)."""
        return self.path or DEMO

    @property
    def name(self) -> str:
        """The file name, as the data panel shows it."""
        return Path(self.path).name if self.path else "Demo workspace (simulated)"

    @classmethod
    def of(cls, dataset: Dataset) -> SavedFile | None:
        """The entry that reopens ``dataset`` (None for data that have no file)."""
        if dataset.simulated:
            return cls(None, DEMO)
        if not dataset.path:
            return None
        return cls(str(dataset.path), dataset.kind, dataset.reader, dict(dataset.options))

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "reader": self.reader, "options": self.options}

    @classmethod
    def from_json(cls, raw: Any) -> SavedFile:
        """An entry from its JSON form; ValueError when it is not one."""
        if not isinstance(raw, dict):
            raise ValueError(f"an entry is {type(raw).__name__}, not an object")  # noqa: TRY004 (one error type)
        path, kind, reader, options = (raw.get(k) for k in ("path", "kind", "reader", "options"))
        if kind == DEMO:
            return cls(None, DEMO)
        if not isinstance(path, str) or not path:
            raise ValueError(f"an entry has no file path ({json.dumps(raw)[:80]})")
        if not all(v is None or isinstance(v, str) for v in (kind, reader)):
            raise ValueError(f"an entry's kind or reader is not text ({json.dumps(raw)[:80]})")
        if options is not None and not isinstance(options, dict):
            raise ValueError(f"an entry's options are not an object ({json.dumps(raw)[:80]})")
        return cls(path, kind, reader, options or {})


@dataclass(frozen=True)
class SavedList:
    """What the settings hold: the entries (None when no list was ever saved: a first start)
    and, when the settings were damaged, one message saying so and where the copy is."""

    entries: list[SavedFile] | None
    problem: str | None = None


class WorkspaceModel(QObject):
    """Loaded data sets by name, in load order, and the saved list of files."""

    sigChanged = Signal()
    sigFilesChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._datasets: dict[str, Dataset] = {}
        self._files: dict[str, SavedFile] = {}
        self._unavailable: dict[str, str] = {}

    def datasets(self, kinds: tuple[str, ...] | None = None) -> list[Dataset]:
        """All data sets, or those of the given kinds."""
        return [d for d in self._datasets.values() if kinds is None or d.kind in kinds]

    def get(self, name: str) -> Dataset | None:
        """The data set called ``name``, if loaded."""
        return self._datasets.get(name)

    def add(self, dataset: Dataset) -> None:
        """Add a data set (a reload of the same name replaces it)."""
        self.add_many([dataset])

    def add_many(self, datasets: list[Dataset]) -> None:
        """Add several data sets with one change notification; their files join the saved list."""
        for dataset in datasets:
            self._datasets[dataset.name] = dataset
        self._track([e for e in map(SavedFile.of, datasets) if e is not None])
        self.sigChanged.emit()

    def remove(self, name: str) -> None:
        """Forget a data set, or an unavailable entry by its key (files on disk are untouched);
        an entry leaves the saved list when nothing loaded from it remains."""
        dataset = self._datasets.pop(name, None)
        if dataset is not None:
            entry = SavedFile.of(dataset)
            still = {e.key for e in map(SavedFile.of, self._datasets.values()) if e is not None}
            if entry is not None and entry.key not in still:
                self._untrack(entry.key)
            self.sigChanged.emit()
        elif name in self._unavailable:
            self._untrack(name)
            self.sigChanged.emit()

    # --- the saved list ---------------------------------------------------------------
    def files(self) -> list[SavedFile]:
        """The saved list, in order: what the next start reopens."""
        return list(self._files.values())

    def expect(self, entries: list[SavedFile]) -> None:
        """A restore begins: these entries are in the list before they are loaded."""
        self._track(entries)

    def unavailable(self) -> list[tuple[SavedFile, str]]:
        """Entries that could not be loaded, with the reason."""
        return [(self._files[k], reason) for k, reason in self._unavailable.items() if k in self._files]

    def set_unavailable(self, key: str, reason: str) -> None:
        """Mark an entry of the list as unavailable (it stays in the list); an entry whose data
        are loaded (a failed reload) is not."""
        loaded = {e.key for e in map(SavedFile.of, self._datasets.values()) if e is not None}
        if key in self._files and key not in loaded:
            self._unavailable[key] = reason
            self.sigChanged.emit()

    def _track(self, entries: list[SavedFile]) -> None:
        changed = False
        for entry in entries:
            self._unavailable.pop(entry.key, None)
            if self._files.get(entry.key) != entry:
                self._files[entry.key] = entry
                changed = True
        if changed:
            self.sigFilesChanged.emit()

    def _untrack(self, key: str) -> None:
        self._unavailable.pop(key, None)
        if self._files.pop(key, None) is not None:
            self.sigFilesChanged.emit()


def unavailable_reason(path: str) -> str | None:
    """Why a saved file cannot be opened now (checked before reading it), or None."""
    try:
        if not os.path.exists(path):
            return "file not found (is its drive or network folder connected?)"
        if not os.access(path, os.R_OK):
            return "cannot be read (permission denied)"
    except OSError as exc:
        return f"cannot be reached ({exc.strerror})"
    return None


def read_saved_list(settings: QSettings) -> SavedList:
    """The saved list, reading the old ``workspace/files`` form too; a damaged settings file is
    copied aside (``<file>.damaged-<time>``) and said once: the copy keeps what was there, and
    the next save rewrites the file."""
    problem = _damage(settings)
    entries: list[SavedFile] | None = None
    raw = settings.value(LIST_KEY)
    if raw is not None:
        entries, bad = _parse(raw)
        problem = problem or bad
    elif settings.contains(OLD_KEY) and settings.value(OLD_KEY) is not None:
        entries = [SavedFile(str(p), None) for p in settings.value(OLD_KEY, [], type=list) if p]
    if problem is None:
        return SavedList(entries)
    if entries is None:
        entries = []  # a list was there: not a first start, so no demo in its place
    return SavedList(entries, _backup(settings, problem))


def write_saved_list(settings: QSettings, entries: list[SavedFile]) -> None:
    """Store the list as one JSON string (replacing the old form)."""
    settings.setValue(LIST_KEY, json.dumps([e.to_json() for e in entries], default=str))
    settings.remove(OLD_KEY)


def _parse(raw: Any) -> tuple[list[SavedFile], str | None]:
    """Entries from the JSON string; the readable ones are kept and the rest reported."""
    try:
        items = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        items = None
    if not isinstance(items, list):
        return [], f"the saved workspace list is not readable ({str(raw)[:60]!r})"
    entries, errors = [], []
    for item in items:
        try:
            entries.append(SavedFile.from_json(item))
        except ValueError as exc:
            errors.append(str(exc))
    return entries, (f"the saved workspace list is damaged: {errors[0]}" if errors else None)


def _damage(settings: QSettings) -> str | None:
    """Why the settings file is damaged, or None."""
    if settings.status() == QSettings.Status.FormatError:
        return "it is not in the settings format"
    if settings.status() == QSettings.Status.AccessError:
        return "it cannot be read"
    path = Path(settings.fileName())
    try:
        if path.is_file() and path.stat().st_size > 0 and not settings.allKeys():
            return "nothing in it could be read"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    return None


def _backup(settings: QSettings, problem: str) -> str:
    """Copy the settings file aside; the message to show once."""
    path = Path(settings.fileName())
    copy = path.with_name(f"{path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
    try:
        shutil.copy2(path, copy)
    except OSError:
        return f"The settings ({path}) were damaged: {problem}. The files of your last workspace may be missing."
    return (
        f"The settings file {path} was damaged ({problem}); a copy is kept as {copy}. "
        "The files of your last workspace may be missing: open them again."
    )
