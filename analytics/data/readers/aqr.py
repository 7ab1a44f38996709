"""AQR's published factor workbooks (Betting Against Beta, Quality Minus Junk, HML Devil).

Each workbook's first sheet holds one factor: a text preamble (title, description,
copyright), a label row, then a ``DATE`` header row with a column per country and region
(``AUS``, ..., ``USA``, ``Global``, ``Europe``...), then one row per month (or day) with the
date as text (``MM/DD/YYYY``) or a date cell, values in decimals. The factor is named by the
workbook (``BAB Factors`` -> ``BAB``, ``QMJ Factors`` -> ``QMJ``, ``HML Devil`` ->
``HML_DEVIL``), and the region the user chooses (default ``USA``) is its series. The other
sheets (``MKT``, ``SMB``, ``RF``...) are AQR's own versions of other factors and are not read:
the first sheet is the workbook's subject. Cells AQR leaves empty (a country's history before
its data start) are missing; AQR has no numeric missing codes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.data.readers import Reader
from analytics.data.returns import ReadOptions, as_dataset, published_returns
from analytics.data.tables import Table
from analytics.data.text import Sniffed, first_line
from analytics.errors import InputError
from analytics.factors import AQR_ALIASES

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["DEFAULT_REGION", "READERS"]

#: The region read when none is chosen.
DEFAULT_REGION = "USA"
# The workbook's factor, from its first sheet's name or its title line.
_FACTORS = (
    (re.compile(r"\bBAB\b|Betting Against Beta", re.IGNORECASE), "BAB"),
    (re.compile(r"\bQMJ\b|Quality Minus Junk", re.IGNORECASE), "QMJ"),
    (re.compile(r"HML\s*Devil|Devil in HML", re.IGNORECASE), "HML_DEVIL"),
)


def _header_row(rows: tuple[tuple[str, ...], ...] | list[list[str]]) -> int | None:
    return next(
        (
            i
            for i, row in enumerate(rows)
            if row and str(row[0]).strip().upper() == "DATE" and sum(1 for c in row[1:] if str(c).strip()) >= 2
        ),
        None,
    )


def _accepts(sniffed: Sniffed) -> bool:
    if sniffed.container != "xlsx":
        return False
    at = _header_row(sniffed.rows)
    return at is not None and any("AQR" in cell for row in sniffed.rows[:at] for cell in row)


def _factor(title: str, heading: str, source: str) -> str:
    for pattern, name in _FACTORS:
        if pattern.search(title) or pattern.search(heading):
            return AQR_ALIASES[name.lower()]
    raise InputError(
        f"{source}: an AQR workbook whose first sheet {title!r} is not Betting Against Beta, Quality Minus Junk "
        "or HML Devil; FactorDesk reads those three.",
        file=source,
    )


def _sheet(path: Path) -> tuple[str, list[tuple[Any, ...]]]:
    """The first sheet's title and rows (values) down to the end of its dated table, read in
    openpyxl's streaming mode (the sheet's formatted but empty rows below are never read)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (openpyxl raises many types for corrupt files)
        raise InputError(f"{path.name}: not a readable Excel file ({first_line(exc)}).") from None
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[Any, ...]] = []
        in_table = False
        for row in sheet.iter_rows(values_only=True):
            first = _text(row[0]) if row else ""
            if in_table and not first:
                break
            in_table = in_table or first.upper() == "DATE"
            rows.append(row)
        return sheet.title, rows
    finally:
        book.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value).strip()


def _read(path: str | Path, **options: Any) -> Dataset:
    path = Path(path)
    opts = ReadOptions.of(options)
    title, rows = _sheet(path)
    at = _header_row([[_text(c) for c in row] for row in rows[:200]])
    if at is None:
        raise InputError(f"{path.name}: no 'DATE' header row on the first sheet {title!r}.", file=path.name)
    heading = next((_text(row[0]) for row in rows[:at] if row and row[0]), "")
    factor = _factor(title, heading, path.name)
    regions = {_text(c): j for j, c in enumerate(rows[at]) if j and _text(c)}
    region = (opts.region or DEFAULT_REGION).strip()
    chosen = next((name for name in regions if name.lower() == region.lower()), None)
    if chosen is None:
        raise InputError(
            f"{path.name}: no region {region!r} on sheet {title!r}; regions are {', '.join(regions)}.",
            option="region",
            file=path.name,
        )
    column = regions[chosen]
    body = []
    for row in rows[at + 1 :]:
        date = _text(row[0]) if row else ""
        if not date:
            break
        body.append((date, _text(row[column]) if column < len(row) else ""))
    frame = pd.DataFrame(body, columns=["date", factor], dtype=str)
    table = Table(frame, path.name, (), first_row=at + 2)
    note = (
        f"{path.name}: read as an AQR factor workbook: {factor} for region {chosen} "
        f"(sheet {title!r}, {len(regions)} regions), in decimals as AQR publishes them."
    )
    return as_dataset(published_returns(table, opts, units="decimal", aliases=AQR_ALIASES, note=note), path)


READERS = (Reader("aqr-workbook", "returns", "AQR factor workbook", _accepts, _read),)
