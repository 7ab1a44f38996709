"""The local store: data pulled from online sources, kept as Parquet with a manifest.

Everything FactorDesk downloads (WRDS pulls, Ken French tables) is saved here so the app
works offline afterwards. Each entry is ``<name>.parquet`` plus ``<name>.json`` (source,
query, pulled-at, rows and any extra fields), both written atomically: the manifest goes last,
so an entry without a manifest is an interrupted write and is ignored. Parquet is read
with pyarrow, which executes nothing from the file.

Long stock tables (``date, id, ret`` and other numeric columns, as WRDS pulls are saved) load
back as workspace data sets: kind ``returns`` (one column per id) or ``panel`` (the long
table itself), so every tab can use what was pulled, offline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.data.paths import atomic_write, data_dir
from analytics.data.returns import ReturnsData
from analytics.errors import InputError
from analytics.frequency import normalize_dates

if TYPE_CHECKING:
    from analytics.workspace import Dataset

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

    def dataset(self, name: str, kind: str = "returns") -> Dataset:
        """A stored long table (``date, id, ret``, ...) as a ``returns`` or ``panel`` data set.

        The panel's name gets a `` (panel)`` suffix so both can sit in one workspace.
        """
        from analytics.workspace import Dataset, describe_frame, describe_returns

        if kind not in ("returns", "panel"):
            raise InputError(f"{name}: a stored stock table loads as returns or panel, not {kind!r}.")
        frame = self.load(name)
        entry = self.entry(name)
        freq = entry.extra.get("freq") if entry is not None else None
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

    @staticmethod
    def _entry(manifest: Path) -> StoreEntry:
        try:
            raw = json.loads(manifest.read_text(encoding="utf-8"))
            return StoreEntry(**raw)
        except (ValueError, TypeError) as exc:
            raise InputError(f"{manifest}: damaged manifest ({exc}); delete the entry and pull again.") from None
