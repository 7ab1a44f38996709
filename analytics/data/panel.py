"""Load a stock panel (``date, id, return, characteristics...``) and portfolio weights.

Both files share the id naming of the returns loader (``id``, ``permno``, ``ticker`` or a
chosen column), and ids are compared as text, so ``14593`` in a CSV and ``14593.0`` from an
Excel cell are the same stock. Monthly panels are dated at the calendar month-end, so a CRSP
panel (last trading day) lines up with everything else by calendar month.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.data.dataset import Dataset, describe_frame
from analytics.data.dates import find_date_column, parse_dates
from analytics.data.partitioned import PartitionedPanel
from analytics.data.returns import ID_NAMES, find_column
from analytics.data.store import Store
from analytics.data.stored_panels import stored_panel
from analytics.data.tables import MISSING_CODES, Table, read_table, to_numbers
from analytics.errors import InputError
from analytics.frequency import normalize_dates, resolve_frequency

__all__ = [
    "PORTFOLIO_NAMES",
    "numeric_columns",
    "panel_dataset",
    "panel_from_table",
    "portfolios_dataset",
    "portfolios_from_table",
]

PORTFOLIO_NAMES = ("portfolio", "port", "portfolio_id", "portfolio_name")
WEIGHT_NAMES = ("weight", "weights", "w", "wt")


def panel_dataset(
    path: str | Path,
    *,
    id_col: str | None = None,
    date_col: str | None = None,
    sheet: str | int | None = None,
    stored: bool = False,
    store: Store | None = None,
) -> Dataset:
    """A panel file as a workspace :class:`Dataset` of kind ``panel``.

    With ``stored``, the panel is kept in the local store (``store``, default the user's) as a
    date-partitioned dataset: the first time it is loaded and stored, afterwards only found
    there (:func:`~analytics.data.stored_panels.stored_panel`). The data set's ``data`` is then
    the stored :class:`~analytics.data.partitioned.PartitionedPanel`, read by blocks of dates
    (a frame only when the store could not take it); without, the frame in memory.
    """

    def load() -> tuple[pd.DataFrame, tuple[str, ...]]:
        return panel_from_table(read_table(path, sheet=sheet, typed=True), id_col=id_col, date_col=date_col)

    if stored:
        options = {"id_col": id_col, "date_col": date_col, "sheet": sheet}
        data, notes = stored_panel(path, load, options=options, store=store)
    else:
        data, notes = load()
    summary = data.describe() if isinstance(data, PartitionedPanel) else describe_frame(data, "rows")
    return Dataset(Path(path).name, "panel", data, summary, str(path), notes)


def numeric_columns(panel: pd.DataFrame | PartitionedPanel) -> list[str]:
    """The numeric columns besides ``date`` and ``id`` of a panel in memory or stored (what a
    tab offers as the return, market cap and characteristics); nothing is read."""
    if isinstance(panel, PartitionedPanel):
        return panel.columns
    return [c for c in panel.columns if c not in ("date", "id") and pd.api.types.is_numeric_dtype(panel[c])]


def portfolios_dataset(path: str | Path, *, id_col: str | None = None) -> Dataset:
    """A portfolio weights file as a workspace :class:`Dataset` of kind ``portfolios``."""
    frame, notes = portfolios_from_table(read_table(path), id_col=id_col, default_name=Path(path).stem)
    return Dataset(Path(path).name, "portfolios", frame, describe_frame(frame, "positions"), str(path), notes)


def panel_from_table(
    table: Table, *, id_col: str | None = None, date_col: str | None = None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Canonical panel: ``date`` (month-end for monthly), ``id`` (text), numeric columns; sorted."""
    date_column = find_date_column(table, date_col)
    parsed = parse_dates(table, date_column)
    notes = list(table.notes) + ([parsed.note] if parsed.note else [])
    id_column = _id_column(table, id_col, exclude=date_column)
    freq = resolve_frequency("auto", parsed.values, table.source)
    dates = normalize_dates(parsed.values, freq)
    ids = _ids(table.frame[id_column])
    in_order = _in_order(dates, ids)  # then no two rows share a date and an id
    if not in_order:
        _refuse_duplicates(table, dates, ids, "id")
    others = [c for c in table.frame.columns if c not in (date_column, id_column)]
    numeric = [c for c in others if _has_numbers(table.frame[c])]
    if len(numeric) < len(others):
        skipped = [c for c in others if c not in numeric]
        notes.append(f"{table.source}: text column(s) {', '.join(skipped)} left out (no numbers in them).")
    if not numeric:
        raise InputError(
            f"{table.source}: no numeric columns besides {date_column!r} and {id_column!r}; add "
            "the return and characteristic columns."
        )
    # Built in place and sorted only when out of order: each copy of a big panel costs its size.
    frame = to_numbers(table, numeric)
    frame.attrs = {}
    frame.insert(0, "id", ids)
    frame.insert(0, "date", dates)
    if not in_order:
        frame = frame.sort_values(["date", "id"], kind="stable")
    frame.index = pd.RangeIndex(len(frame))
    return frame, tuple(notes)


def _in_order(dates: pd.DatetimeIndex, ids: np.ndarray) -> bool:
    """Whether the rows are sorted by date, then strictly by id (as a panel file usually is)."""
    d = dates.to_numpy()
    return bool(((d[1:] > d[:-1]) | ((d[1:] == d[:-1]) & (ids[1:] > ids[:-1]))).all())


def portfolios_from_table(
    table: Table, *, id_col: str | None = None, default_name: str = "portfolio"
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Canonical portfolios: ``portfolio`` (text), ``id`` (text), ``weight`` (float)."""
    notes = list(table.notes)
    port_column = find_column(table, PORTFOLIO_NAMES, None, "portfolio")
    id_column = _id_column(table, id_col, exclude=port_column)
    weight_column = find_column(table, WEIGHT_NAMES, None, "weight")
    if weight_column is None:
        raise InputError(
            f"{table.source}: no weight column; name it 'weight' (columns are {', '.join(table.frame.columns)})."
        )
    weights = to_numbers(table, [weight_column])[weight_column]
    if weights.isna().any():
        pos = int(np.flatnonzero(weights.isna().to_numpy())[0])
        raise InputError(
            f"{table.source}: {table.row_label(pos)}, column {weight_column!r}: weight is blank; "
            "give every holding a weight."
        )
    if port_column is None:
        names = pd.Series(default_name, index=table.frame.index)
        notes.append(f"{table.source}: no portfolio column; all rows are one portfolio, {default_name!r}.")
    else:
        names = table.frame[port_column].astype(str).str.strip()
    frame = pd.DataFrame({"portfolio": names, "id": _ids(table.frame[id_column]), "weight": weights})
    _refuse_duplicates(table, frame["portfolio"], frame["id"], "portfolio")
    return frame.reset_index(drop=True), tuple(notes)


def _id_column(table: Table, id_col: str | None, exclude: str | None) -> str:
    columns = list(table.frame.columns)
    if id_col is None:
        lowered = {c.lower(): c for c in columns if c != exclude}
        found = next((lowered[n] for n in ID_NAMES if n in lowered), None)
    else:
        found = find_column(table, ID_NAMES, id_col, "id")
    if found is None:
        raise InputError(
            f"{table.source}: no id column; name it id, permno or ticker, or name the id column "
            f"(columns are {', '.join(columns)}).",
            option="id_col",
            file=table.source,
        )
    return found


def _ids(column: pd.Series[Any]) -> np.ndarray:
    """Ids as text; integers written as floats by Excel (``14593.0``) lose the ``.0``. Each
    distinct id is cleaned once: a panel repeats it on every date."""
    codes, uniques = pd.factorize(column.astype(str))
    text = pd.Series(uniques).str.strip().str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    ids: np.ndarray = text.to_numpy(dtype=object)[codes]
    return ids


def _has_numbers(column: pd.Series[Any]) -> bool:
    if column.dtype == np.float64:  # read typed: numbers (or blank) already
        return True
    text = column.astype(str).str.strip()
    text = text[~text.str.lower().isin(MISSING_CODES)]
    return bool(pd.to_numeric(text, errors="coerce").notna().any()) or text.empty


def _refuse_duplicates(
    table: Table, first: pd.Series[Any] | pd.Index[Any] | np.ndarray, ids: pd.Series[Any] | np.ndarray, what: str
) -> None:
    keys = pd.DataFrame({"a": np.asarray(first), "b": ids})
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        i, j = np.flatnonzero(dup)[:2]
        key = keys["a"].iloc[i]
        key = key.date() if isinstance(key, pd.Timestamp) else key
        raise InputError(
            f"{table.source}: {table.row_label(int(i))} and {table.row_label(int(j))} both give id "
            f"{ids[i]!r} for {what if what != 'id' else 'date'} {key}; keep one row per id."
        )
