"""Load return files: funds, stocks and factors, wide or long, in any supported layout.

One loader serves every tab, so every tab accepts the same files: wide (a date column and
one column per series) or long (``date, id, ret`` with extra columns ignored, e.g. a CRSP
extract). Factor columns found in the file (under any of their usual spellings) are split
from the assets, so one file can hold both. Frequencies, units and calendar-month alignment
are settled here, once, and what was assumed is kept in ``notes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.data.dates import find_date_column, parse_dates
from analytics.data.tables import Table, read_table, to_numbers
from analytics.data.units import units_scale
from analytics.errors import InputError
from analytics.frequency import normalize_dates, resolve_frequency

if TYPE_CHECKING:
    from analytics.workspace import Dataset

__all__ = [
    "FACTOR_NAMES",
    "ReturnsData",
    "load_returns",
    "returns_from_table",
    "canonical_factor_name",
    "ID_NAMES",
    "find_column",
]

#: Tradable factors in model order; ``RF`` is kept beside them but is not a regressor.
FACTOR_NAMES = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM")
_ALIASES = {
    "mkt-rf": "Mkt-RF", "mkt_rf": "Mkt-RF", "mktrf": "Mkt-RF", "mkt rf": "Mkt-RF", "mkt-rf ": "Mkt-RF",
    "smb": "SMB", "hml": "HML", "rmw": "RMW", "cma": "CMA",
    "mom": "MOM", "umd": "MOM", "wml": "MOM", "momentum": "MOM",
    "rf": "RF", "risk-free": "RF", "riskfree": "RF",
    "mkt": "MKT",
}
ID_NAMES = ("id", "permno", "ticker", "fund", "symbol", "stock", "asset")
RETURN_NAMES = ("ret", "return", "returns", "r", "re", "value")


def canonical_factor_name(column: str) -> str | None:
    """``Mkt-RF`` for ``mktrf``, ``MOM`` for ``Mom   `` or ``UMD``; None for non-factors."""
    return _ALIASES.get(column.strip().lower())


def find_column(table: Table, names: tuple[str, ...], preferred: str | None, what: str) -> str | None:
    """A column by explicit choice (which must exist) or by one of its usual names."""
    columns = list(table.frame.columns)
    if preferred is not None:
        if preferred not in columns:
            raise InputError(
                f"{table.source}: no {what} column {preferred!r}; columns are {', '.join(columns)}."
            )
        return preferred
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


@dataclass(frozen=True)
class ReturnsData:
    """Asset and factor returns in decimals on one date index, with what was assumed."""

    assets: pd.DataFrame
    factors: pd.DataFrame
    freq: str
    source: str
    notes: tuple[str, ...] = field(default=())

    @property
    def factor_names(self) -> tuple[str, ...]:
        """Regressors present in the file, in model order (RF excluded)."""
        return tuple(f for f in FACTOR_NAMES if f in self.factors.columns)

    def describe(self) -> pd.DataFrame:
        """One row per series: kind, frequency, first and last date, observations (the data panel)."""
        parts = []
        for kind, frame in (("asset", self.assets), ("factor", self.factors)):
            valid = frame.notna()
            counts = valid.sum()
            keep = counts > 0
            parts.append(pd.DataFrame({
                "series": frame.columns[keep], "kind": kind, "freq": self.freq,
                "start": frame.index[valid.to_numpy().argmax(axis=0)][keep.to_numpy()],
                "end": frame.index[len(frame) - 1 - valid.to_numpy()[::-1].argmax(axis=0)][keep.to_numpy()],
                "n_obs": counts[keep].to_numpy(),
            }))
        return pd.concat(parts, ignore_index=True).astype({"n_obs": int})

    def with_assets(self, assets: pd.DataFrame) -> ReturnsData:
        """A copy with other asset columns (e.g. a subset chosen by the user)."""
        return replace(self, assets=assets)


def load_returns(
    path: str | Path,
    *,
    freq: str = "auto",
    units: str = "auto",
    factor_units: str = "auto",
    id_col: str | None = None,
    ret_col: str | None = None,
    sheet: str | int | None = None,
) -> ReturnsData:
    """Read a returns file (CSV, Excel, Parquet), wide or long; see the module docstring."""
    return returns_from_table(
        read_table(path, sheet=sheet), freq=freq, units=units, factor_units=factor_units,
        id_col=id_col, ret_col=ret_col,
    )


def returns_from_table(
    table: Table,
    *,
    freq: str = "auto",
    units: str = "auto",
    factor_units: str = "auto",
    id_col: str | None = None,
    ret_col: str | None = None,
) -> ReturnsData:
    """Turn an already-read :class:`Table` into :class:`ReturnsData`."""
    date_col = find_date_column(table)
    parsed = parse_dates(table, date_col)
    notes = list(table.notes) + ([parsed.note] if parsed.note else [])
    id_column = find_column(table, ID_NAMES, id_col, "id")
    frequency = resolve_frequency(freq, parsed.values, table.source)
    # Dates move to the frequency's convention before anything is keyed on them, so that
    # errors about two rows on one month can name both file rows.
    dates = normalize_dates(parsed.values, frequency)
    if id_column is not None and _is_long(table, id_col, ret_col, parsed.values):
        wide = _pivot_long(table, date_col, id_column, ret_col, dates)
    else:
        _check_unique(table, parsed.values, dates, frequency)
        wide = _wide(table, date_col, dates)
    factors, assets = _split_factors(wide, notes, table.source)
    empty = [c for c in assets.columns if assets[c].isna().all()]
    if empty:
        notes.append(f"{table.source}: column(s) {', '.join(map(str, empty))} have no values and were left out.")
        assets = assets.drop(columns=empty)
    a_scale, a_note = units_scale(assets, units, frequency, what="returns", source=table.source)
    f_cols = [c for c in factors.columns if c != "RF"]
    f_scale, f_note = units_scale(factors[f_cols], factor_units, frequency, what="factors", source=table.source)
    notes += [n for n in (a_note, f_note) if n]
    return ReturnsData(assets * a_scale, factors * f_scale, frequency, table.source, tuple(notes))


def _is_long(table: Table, id_col: str | None, ret_col: str | None, dates: pd.DatetimeIndex) -> bool:
    """Whether a file with a column named like an id is long: the user said so, a return
    column sits beside it, or most rows repeat a date. A wide file may well have a fund
    called 'Fund' or 'Asset' (and a stray duplicate date, reported as such)."""
    if id_col is not None or find_column(table, RETURN_NAMES, ret_col, "return") is not None:
        return True
    return bool(dates.duplicated().mean() >= 0.5)


def _wide(table: Table, date_col: str, dates: pd.DatetimeIndex) -> pd.DataFrame:
    value_cols = [c for c in table.frame.columns if c != date_col]
    if not value_cols:
        raise InputError(f"{table.source}: only a date column; add return columns.")
    frame = to_numbers(table, value_cols)
    frame.index = dates
    return frame.sort_index()


def _pivot_long(
    table: Table, date_col: str, id_col: str, ret_col: str | None, dates: pd.DatetimeIndex
) -> pd.DataFrame:
    value_col = find_column(table, RETURN_NAMES, ret_col, "return")
    if value_col is None:
        raise InputError(
            f"{table.source}: long file (id column {id_col!r}) without a return column; name it 'ret' "
            "or pass --ret-col."
        )
    values = to_numbers(table, [value_col])[value_col].to_numpy()
    ids = table.frame[id_col].astype(str).str.strip().to_numpy()
    long = pd.DataFrame({"date": dates, "id": ids, "ret": values})
    dup = long.duplicated(["date", "id"], keep=False).to_numpy()
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        second = int(np.flatnonzero((dates == dates[first]) & (ids == ids[first]))[1])
        raise InputError(
            f"{table.source}: {table.row_label(first)} and {table.row_label(second)} both give "
            f"id {ids[first]!r} on {dates[first].date()}; keep one row per id and date."
        )
    return long.pivot(index="date", columns="id", values="ret").rename_axis(columns=None)


def _check_unique(table: Table, original: pd.DatetimeIndex, dates: pd.DatetimeIndex, freq: str) -> None:
    """Two rows of a wide file on one (normalized) date are an error naming both rows."""
    dup = dates.duplicated(keep=False)
    if dup.any():
        first = int(np.flatnonzero(dup)[0])
        second = int(np.flatnonzero(dates == dates[first])[1])
        when = "month" if freq == "monthly" else "date"
        raise InputError(
            f"{table.source}: {table.row_label(first)} ({original[first].date()}) and "
            f"{table.row_label(second)} ({original[second].date()}) fall on the same {when}; "
            "remove the duplicate."
        )


def _split_factors(wide: pd.DataFrame, notes: list[str], source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Factor columns under canonical names, and the remaining asset columns."""
    rename = {c: canonical_factor_name(str(c)) for c in wide.columns}
    factor_cols = {c: name for c, name in rename.items() if name is not None}
    factors = wide[list(factor_cols)].rename(columns=factor_cols)
    if "MKT" in factors.columns:
        if "Mkt-RF" not in factors.columns and "RF" in factors.columns:
            factors["Mkt-RF"] = factors["MKT"] - factors["RF"]
            notes.append(f"{source}: MKT is the total market return; Mkt-RF computed as MKT - RF.")
        factors = factors.drop(columns="MKT")
    assets = wide.drop(columns=list(factor_cols))
    assets.columns = [str(c) for c in assets.columns]
    return factors, assets


def returns_dataset(path: str | Path, **options: str | None) -> Dataset:
    """:func:`load_returns` as a workspace :class:`~analytics.workspace.Dataset`."""
    from analytics.workspace import Dataset, describe_returns

    data = load_returns(path, **options)
    return Dataset(Path(path).name, "returns", data, describe_returns(data), str(path), data.notes)
