"""Write result tables to CSV or Excel, atomically.

A CSV holds one table (the result's main one); an Excel workbook holds every table as a
sheet, main first. The file appears whole or not at all: a read-only folder or a full disk
leaves any previous file untouched and raises an :class:`InputError` that says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.data.paths import atomic_write
from analytics.errors import InputError

__all__ = ["export_tables", "EXPORT_SUFFIXES"]

EXPORT_SUFFIXES = (".csv", ".xlsx")


def export_tables(tables: dict[str, pd.DataFrame], path: str | Path, *, main: str) -> Path:
    """Write ``tables[main]`` to a CSV, or all ``tables`` to an .xlsx workbook."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError(f"{path.name}: cannot export to {suffix or 'a file without extension'}; use .csv or .xlsx.")
    if suffix == ".csv":
        return atomic_write(path, lambda tmp: tables[main].to_csv(tmp, index=False, date_format="%Y-%m-%d"))
    ordered = {main: tables[main], **{k: v for k, v in tables.items() if k != main}}

    def write_xlsx(tmp: Path) -> None:
        # Our own handle: closed even when saving fails, and a failure part-way is not
        # replaced by openpyxl's "At least one sheet must be visible" from an early close.
        with open(tmp, "wb") as handle:
            writer = pd.ExcelWriter(handle, engine="openpyxl")
            for name, frame in ordered.items():
                frame.to_excel(writer, sheet_name=name[:31], index=False)
            writer.close()

    return atomic_write(path, write_xlsx)
