"""A folder of return series: one file per stock or fund (price histories or return files).

Users keep a folder of downloads, one per ticker (``AAPL.csv``, ``MSFT.csv`` from Yahoo
Finance). Each file is read by the reader that recognises it (a price history becomes
returns), and the folder becomes one panel: a file with one series gives a column named after
the file (its stem), a file with several keeps their names. Files are joined on their dates.
Factor columns in the files are joined the way several factor files are (the same factor with
different values in two files is an error naming both). A file that cannot be read is left
out with a note giving its reason, so that one bad download never stops the panel; a folder
in which no file can be read is an error quoting the first reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.data.factor_join import join_factors
from analytics.data.file_notes import merge_file_notes
from analytics.data.readers import Reader, find_reader, readers
from analytics.data.returns import ReadOptions, ReturnsData, as_dataset
from analytics.data.text import Sniffed
from analytics.errors import InputError

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["DATA_SUFFIXES", "READERS", "read_series_folder"]

#: File types a folder's series may come in; other files (a README, a .DS_Store) are ignored.
DATA_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".zip"})


def _accepts(sniffed: Sniffed) -> bool:
    """A folder whose first file another reader takes as returns (not holdings, not a panel)."""
    others = [r for r in readers() if r.files]
    first = next((r for r in others if r.accepts(sniffed)), None)
    return first is not None and first.kind == "returns"


def _files(folder: Path) -> list[Path]:
    files = sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in DATA_SUFFIXES
    )
    if not files:
        raise InputError(f"{folder}: the folder holds no CSV, Excel or Parquet files.", file=str(folder))
    return files


def read_series_folder(folder: str | Path, options: ReadOptions) -> ReturnsData:
    """Every readable file of ``folder`` as one panel of return series (see the module docstring)."""
    folder = Path(folder)
    parts: list[ReturnsData] = []
    skipped: list[str] = []
    for path in _files(folder):
        try:
            reader = find_reader(path, "returns")
            parts.append(_one_file(reader.read(path, **asdict(options)).data, path))
        except InputError as exc:
            skipped.append(f"{path.name} ({exc})")
    if not parts:
        raise InputError(
            f"{folder.name}: no file in the folder could be read as returns: {skipped[0]}", file=str(folder)
        )
    freqs = defaultdict(list)
    for part in parts:
        freqs[part.freq].append(part.source)
    if len(freqs) > 1:
        (f1, s1), (f2, s2) = list(freqs.items())[:2]
        raise InputError(
            f"{folder.name}: mixed frequencies: {s1[0]} is {f1} but {s2[0]} is {f2}; keep one frequency per folder.",
            file=str(folder),
        )
    assets = pd.concat([p.assets for p in parts], axis=1).sort_index()
    _check_names(parts)
    with_factors = [p for p in parts if not p.factors.empty]
    factors = join_factors(with_factors).factors if with_factors else pd.DataFrame(index=assets.index)
    notes = [
        f"{folder.name}: a folder of {len(parts)} file(s), one series per file"
        + (f"; {len(skipped)} file(s) left out: {'; '.join(skipped)}" if skipped else "")
        + "."
    ]
    notes += merge_file_notes([n for p in parts for n in p.notes], folder.name)
    return ReturnsData(
        assets, factors.reindex(assets.index.union(factors.index)), parts[0].freq, folder.name, tuple(notes)
    )


def _one_file(data: ReturnsData, path: Path) -> ReturnsData:
    """A file's series: one is named after the file, several keep their names."""
    if data.assets.shape[1] == 1:
        return ReturnsData(data.assets.set_axis([path.stem], axis=1), data.factors, data.freq, path.name, data.notes)
    return data


def _check_names(parts: list[ReturnsData]) -> None:
    seen: dict[str, str] = {}
    for part in parts:
        for name in part.assets.columns:
            if name in seen:
                raise InputError(
                    f"series {name!r} is in both {seen[name]} and {part.source}; rename one of the files or columns.",
                    file=part.source,
                )
            seen[name] = part.source


def _read(path: str | Path, **options: Any) -> Dataset:
    return as_dataset(read_series_folder(path, ReadOptions.of(options)), path)


READERS = (
    Reader(
        "series-folder",
        "returns",
        "folder of return series or price histories",
        _accepts,
        _read,
        folders=True,
        files=False,
    ),
)
