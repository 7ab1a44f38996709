"""The local store: data pulled from online sources, kept as Parquet with a manifest.

Everything FactorDesk downloads (WRDS pulls, Ken French tables) is saved here so the app
works offline afterwards. Each entry is ``<name>.parquet`` plus ``<name>.json`` (source,
query, pulled-at, rows and any extra fields), both written atomically: the manifest goes last,
so an entry without a manifest is an interrupted write and is ignored. Parquet is read
with pyarrow, which executes nothing from the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.data.paths import atomic_write, data_dir
from analytics.errors import InputError

__all__ = ["Store", "StoreEntry"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


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
        return (datetime.now(timezone.utc) - pulled).total_seconds() / 86400


class Store:
    """A folder of Parquet tables with JSON manifests (default: the user's data folder)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else data_dir() / "store"
        self.root.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def safe_name(name: str) -> str:
        """A file-system-safe entry name."""
        return _SAFE_NAME.sub("_", name).strip("_") or "entry"

    def save(self, name: str, frame: pd.DataFrame, *, source: str, query: str, **extra: Any) -> StoreEntry:
        """Store ``frame`` under ``name`` (replacing any previous entry atomically)."""
        name = self.safe_name(name)
        entry = StoreEntry(name, source, query, datetime.now(timezone.utc).isoformat(), len(frame), extra)
        atomic_write(self.root / f"{name}.parquet", lambda tmp: frame.to_parquet(tmp, index=False))
        manifest = json.dumps({**entry.__dict__}, indent=2, default=str)
        atomic_write(self.root / f"{name}.json", lambda tmp: tmp.write_text(manifest, encoding="utf-8"))
        return entry

    def entries(self) -> list[StoreEntry]:
        """Complete entries (data and manifest both present), by name."""
        out = []
        for manifest in sorted(self.root.glob("*.json")):
            if (self.root / f"{manifest.stem}.parquet").exists():
                out.append(self._entry(manifest))
        return out

    def entry(self, name: str) -> StoreEntry | None:
        """The manifest of ``name``, or None when it is not stored."""
        manifest = self.root / f"{self.safe_name(name)}.json"
        if not manifest.exists() or not manifest.with_suffix(".parquet").exists():
            return None
        return self._entry(manifest)

    def load(self, name: str) -> pd.DataFrame:
        """The stored table ``name``."""
        path = self.root / f"{self.safe_name(name)}.parquet"
        if self.entry(name) is None:
            raise InputError(f"{name}: not in the local store ({self.root}); pull it first.")
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises its own types for damaged files
            raise InputError(f"{path}: stored file is damaged ({exc}); pull it again.") from None

    @staticmethod
    def _entry(manifest: Path) -> StoreEntry:
        try:
            raw = json.loads(manifest.read_text(encoding="utf-8"))
            return StoreEntry(**raw)
        except (ValueError, TypeError) as exc:
            raise InputError(f"{manifest}: damaged manifest ({exc}); delete the entry and pull again.") from None
