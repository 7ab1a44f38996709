"""Load fund holdings files into the canonical ``date, id, weight`` frame.

Users hold positions in many shapes: a long table of weights, positions in shares (with a
price) or market value, one Excel sheet per date, or one file per date with the date in
the file name. All become one sorted frame. What was assumed is said in notes: weights read
as percent, dates taken from sheet or file names, and weights that do not add up to one
(cash, leverage), which are reported and kept unless the user asks to rescale them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.data.dates import DATE_NAMES, find_date_column, parse_dates
from analytics.data.returns import ID_NAMES, find_column
from analytics.data.tables import Table, read_table, to_numbers
from analytics.errors import InputError

if TYPE_CHECKING:
    from analytics.workspace import Dataset

__all__ = ["holdings_dataset", "holdings_from_table", "load_holdings", "Holdings"]

WEIGHT_NAMES = ("weight", "weights", "wgt", "w")
VALUE_NAMES = ("value", "market_value", "mv", "mktval")
SHARES_NAMES = ("shares", "shrs", "quantity")
PRICE_NAMES = ("price", "prc", "close")
# Per-date weight sums this far from 1 are reported (cash, leverage, rounding).
_SUM_TOLERANCE = 0.005
_NAME_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


@dataclass(frozen=True)
class Holdings:
    """The canonical frame (``date, id, weight``, sorted) and what was assumed while reading."""

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()


def holdings_dataset(
    path: str | Path | Sequence[str | Path], *, id_col: str | None = None, rescale: bool = False,
    sheet: str | int | None = None,
) -> Dataset:
    """:func:`load_holdings` as a workspace :class:`~analytics.workspace.Dataset` (kind ``holdings``)."""
    from analytics.workspace import Dataset, describe_frame

    paths = _paths(path)
    held = load_holdings(paths, id_col=id_col, rescale=rescale, sheet=sheet)
    name = paths[0].name if len(paths) == 1 else f"{paths[0].name} + {len(paths) - 1} files"
    return Dataset(name, "holdings", held.frame, describe_frame(held.frame, "holdings"), str(paths[0]), held.notes)


def load_holdings(
    path: str | Path | Sequence[str | Path], *, id_col: str | None = None, rescale: bool = False,
    sheet: str | int | None = None,
) -> Holdings:
    """Read one or several holdings files (every sheet of a workbook unless ``sheet`` is given)."""
    tables = [table for p in _paths(path) for table in _read_tables(p, sheet)]
    parts = [_positions(table, id_col) for table in tables]
    frame = pd.concat(parts, ignore_index=True)
    notes = [n for t in tables for n in t.notes]
    return _finish(frame, notes, rescale, ", ".join(dict.fromkeys(t.source.split(" [")[0] for t in tables)))


def holdings_from_table(table: Table, *, id_col: str | None = None, rescale: bool = False) -> Holdings:
    """Turn an already-read :class:`Table` into canonical holdings (the pure path the tests use)."""
    return _finish(_positions(table, id_col), list(table.notes), rescale, table.source)


def _paths(path: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(path, str | Path):
        path = Path(path)
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")) if path.is_dir() else [path]
    if not path:
        raise InputError("no holdings file given; choose at least one CSV or Excel file.")
    return [Path(p) for p in path]


def _read_tables(path: Path, sheet: str | int | None) -> list[Table]:
    """The file's table, or one table per sheet of a workbook with several sheets."""
    if sheet is not None or path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return [_dated(read_table(path, sheet=sheet), path.stem)]
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = book.sheet_names
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise InputError(f"{path.name}: not a readable Excel file ({type(exc).__name__}).") from None
    tables = []
    for name in names:
        table = read_table(path, sheet=name)
        tables.append(_dated(Table(table.frame, f"{path.name} [{name}]", table.notes), name))
    return tables


def _dated(table: Table, label: str) -> Table:
    """A table with a date column: its own, or the date written in its sheet or file name."""
    if any(c.strip().lower() in DATE_NAMES for c in table.frame.columns):
        return table
    found = _NAME_DATE.search(label)
    if found is None:
        find_date_column(table)  # raises the usual 'no date column' error unless the first column is dates
        return table
    when = "-".join(found.groups())
    frame = table.frame.assign(date=when)
    note = f"{table.source}: no date column; positions dated {when} from the name {label!r}."
    return Table(frame, table.source, (*table.notes, note), table.first_row)


def _positions(table: Table, id_col: str | None) -> pd.DataFrame:
    """``date, id, weight`` rows of one table (weights not yet checked)."""
    date_col = find_date_column(table)
    dates = parse_dates(table, date_col).values
    ids_col = find_column(table, ID_NAMES, id_col, "id")
    if ids_col is None:
        raise InputError(
            f"{table.source}: no id column; name it id, permno or ticker, or pass --id-col "
            f"(columns are {', '.join(table.frame.columns)})."
        )
    ids = table.frame[ids_col].astype(str).str.strip()
    if (ids == "").any():
        pos = int(np.flatnonzero((ids == "").to_numpy())[0])
        raise InputError(f"{table.source}: {table.row_label(pos)}, column {ids_col!r}: id is blank.")
    weights = _weights(table, dates)
    frame = pd.DataFrame({"date": dates, "id": ids.to_numpy(), "weight": weights})
    dup = frame.duplicated(["date", "id"], keep=False).to_numpy()
    if dup.any():
        first, second = np.flatnonzero(dup)[:2]
        raise InputError(
            f"{table.source}: {table.row_label(int(first))} and {table.row_label(int(second))} both hold "
            f"{frame['id'].iloc[first]!r} on {frame['date'].iloc[first].date()}; keep one row per id and date."
        )
    return frame


def _weights(table: Table, dates: pd.DatetimeIndex) -> np.ndarray:
    """Weights as given, or each position's share of its date's total value."""
    weight_col = find_column(table, WEIGHT_NAMES, None, "weight")
    if weight_col is not None:
        return _complete(table, weight_col)
    value_col = find_column(table, VALUE_NAMES, None, "value")
    if value_col is not None:
        value = _complete(table, value_col)
    else:
        shares_col = find_column(table, SHARES_NAMES, None, "shares")
        price_col = find_column(table, PRICE_NAMES, None, "price")
        if shares_col is None:
            raise InputError(
                f"{table.source}: no weight, value or shares column; add one (columns are "
                f"{', '.join(table.frame.columns)})."
            )
        if price_col is None:
            raise InputError(
                f"{table.source}: column {shares_col!r} holds shares but there is no price column to value "
                "them; add a 'price' or 'value' column."
            )
        value = _complete(table, shares_col) * np.abs(_complete(table, price_col))
    totals = pd.Series(value).groupby(np.asarray(dates)).transform("sum").to_numpy()
    if (totals == 0).any():
        pos = int(np.flatnonzero(totals == 0)[0])
        raise InputError(f"{table.source}: positions on {dates[pos].date()} are worth 0 in total; check the values.")
    return value / totals


def _complete(table: Table, column: str) -> np.ndarray:
    """A numeric column without blanks (a blank position is an error, not a zero)."""
    values = to_numbers(table, [column])[column].to_numpy()
    if np.isnan(values).any():
        pos = int(np.flatnonzero(np.isnan(values))[0])
        raise InputError(f"{table.source}: {table.row_label(pos)}, column {column!r}: blank; fill it in or drop the row.")
    return values


def _finish(frame: pd.DataFrame, notes: list[str], rescale: bool, source: str) -> Holdings:
    """Sort, detect percent weights, report (or rescale) sums that are not one."""
    frame = frame.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
    dup = frame.duplicated(["date", "id"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise InputError(f"{source}: {row['id']!r} appears twice on {row['date'].date()}; keep one position per date.")
    sums = frame.groupby("date")["weight"].sum()
    if sums.median() > 50:
        frame["weight"] /= 100.0
        sums /= 100.0
        notes.append(f"{source}: weights read as percent (they sum to about {sums.median() * 100:.0f}); divided by 100.")
    off = sums[(sums - 1).abs() > _SUM_TOLERANCE]
    if len(off):
        shown = ", ".join(f"{d.date()} ({s:.3f})" for d, s in off.head(3).items())
        more = f" and {len(off) - 3} more" if len(off) > 3 else ""
        if rescale:
            frame["weight"] /= frame["date"].map(sums).to_numpy()
            notes.append(f"{source}: weights rescaled to sum to 1 on {len(off)} date(s): {shown}{more}.")
        else:
            notes.append(
                f"{source}: weights do not sum to 1 on {len(off)} date(s): {shown}{more} (cash or leverage); "
                "kept as given (rescale to make them sum to 1)."
            )
    return Holdings(frame[["date", "id", "weight"]], tuple(notes))
