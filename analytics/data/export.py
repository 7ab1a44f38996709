"""Write result tables to CSV or Excel, atomically.

A CSV holds one table (the result's main one); an Excel workbook holds every table as a
sheet, main first, and the record of the run (how the result was made) travels with it. The
file appears whole or not at all (see
:func:`~analytics.data.paths.atomic_write`: a read-only or someone else's file is refused, a
replaced file keeps its permissions, a full disk leaves any previous file untouched), and
every failure is an :class:`InputError` that says so.

Workbooks are built in memory by XlsxWriter (``in_memory``) and written to the temp file
beside the target in one go: nothing goes through the temp folder, so a full temp folder
cannot break an export and a killed run leaves nothing there (openpyxl writes each sheet to a
file in the temp folder first, left behind when it fails or is killed).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.data.paths import atomic_write
from analytics.errors import InputError

__all__ = ["EXPORT_SUFFIXES", "export_tables", "run_json_path", "run_sheet", "sheet_names"]

EXPORT_SUFFIXES = (".csv", ".xlsx")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
#: Built in memory (no temp folder); text stays text (a fund called "=A1" is not a formula, a URL
#: not a link).
_XLSX_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}


def export_tables(
    tables: Mapping[str, pd.DataFrame], path: str | Path, *, main: str, run: Mapping[str, Any] | None = None
) -> Path:
    """Write ``tables[main]`` to a CSV, or all ``tables`` to an .xlsx workbook.

    ``run`` (:func:`~analytics.request.run_record`: how the result was made) goes with it: a
    ``run`` sheet of the workbook, or ``<name>.run.json`` beside the CSV.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError(f"{path.name}: cannot export to {suffix or 'a file without extension'}; use .csv or .xlsx.")
    if suffix == ".csv":
        written = atomic_write(path, lambda tmp: tables[main].to_csv(tmp, index=False, date_format="%Y-%m-%d"))
        if run is not None:
            text = json.dumps(run, indent=2, default=str)
            atomic_write(run_json_path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return written
    sheets = {main: tables[main], **{k: v for k, v in tables.items() if k != main}}
    if run is not None:
        sheets["run"] = run_sheet(run)
    workbook = _workbook(sheets, path)
    return atomic_write(path, lambda tmp: tmp.write_bytes(workbook))


def run_json_path(csv_path: Path) -> Path:
    """Where a CSV export's run record goes: ``results.csv`` -> ``results.run.json``."""
    return csv_path.with_name(f"{csv_path.stem}.run.json")


def run_sheet(run: Mapping[str, Any]) -> pd.DataFrame:
    """A run record as two columns, ``field`` and ``value``: one row per fact, per input's fact,
    per option, per setting used and per note, so it reads top to bottom in a spreadsheet."""
    rows: list[tuple[str, str]] = []
    for key, value in run.items():
        if key == "inputs":
            for i, item in enumerate(value, 1):
                rows += [(f"input {i} {k}", _cell(v)) for k, v in item.items()]
        elif key in ("options", "used"):
            rows += [(f"{key.rstrip('s')} {k}", _cell(v)) for k, v in value.items()]
        elif key == "notes":
            rows += [("note", str(note)) for note in value]
        else:
            rows.append((key, _cell(value)))
    return pd.DataFrame(rows, columns=["field", "value"])


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names for ``names``: without the characters Excel forbids, cut to 31
    characters, and unique (a cut name that repeats gets ``~2``, ``~3``...)."""
    out: list[str] = []
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", name)[:31] or "sheet"
        candidate, n = base, 1
        while candidate.lower() in (o.lower() for o in out):
            n += 1
            candidate = f"{base[: 31 - len(str(n)) - 1]}~{n}"
        out.append(candidate)
    return out


def _workbook(ordered: dict[str, pd.DataFrame], path: Path) -> bytes:
    """The .xlsx file's bytes; any failure of the Excel engine (its own exception types, or
    memory) is one InputError naming the file."""
    buffer = io.BytesIO()
    try:
        with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": _XLSX_OPTIONS}) as writer:
            for sheet, frame in zip(sheet_names(list(ordered)), ordered.values()):
                frame.to_excel(writer, sheet_name=sheet, index=False)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 -- the engine raises many types; the file is simply not made
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: the Excel writer failed ({reason}); the previous file is unchanged.") from None
    return buffer.getvalue()
