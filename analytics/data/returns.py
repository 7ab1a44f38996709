"""Load return files: funds, stocks and factors, wide or long, in any supported layout.

One loader serves every tab, so every tab accepts the same files: wide (a date column and
one column per series) or long (``date, id, ret`` with extra columns ignored, e.g. a CRSP
extract). Factor columns found in the file (under any of their spellings, see
:mod:`analytics.factors`) are split from the assets, so one file can hold both. Price and
volume columns (``Open``, ``Close``, ``Volume``, ``PX_LAST``...) are never returns: a plain
table leaves them out, and a price history is converted by its own reader
(:mod:`analytics.data.readers.prices`). Frequencies, units and calendar-month alignment are
settled here, once, and what was assumed is kept in ``notes``.

Numbers are never missing by themselves: a -99.99 in a user's percent file is a real
wipe-out. Numeric missing codes apply where a reader knows them (the Ken French library's
-99.99 and -999) or the user declares them (``missing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics.data.column_names import ID_NAMES
from analytics.data.dates import find_date_column, parse_dates
from analytics.data.tables import Table, read_table, to_numbers
from analytics.data.units import units_scale
from analytics.errors import InputError
from analytics.factors import ALIASES, FACTOR_NAMES, RF, canonical_factor_name, ordered_factors
from analytics.frequency import normalize_dates, resolve_frequency

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = [
    "FACTOR_NAMES",
    "ID_NAMES",
    "PRICE_NAMES",
    "ReadOptions",
    "ReturnsData",
    "as_dataset",
    "canonical_factor_name",
    "find_column",
    "missing_note",
    "read_returns_table",
    "returns_from_frame",
    "returns_from_table",
    "wide_dates",
]

#: The missing-data codes of the Ken French library (percent): missing inside its files, and
#: elsewhere only when declared; a file holding them undeclared gets a hint when it fails.
KENFRENCH_MISSING = (-99.99, -999.0)
RETURN_NAMES = ("ret", "return", "returns", "r", "re", "value")
#: Columns of price and volume, by their lower-cased names (Yahoo, Bloomberg, investing.com):
#: never regressed as returns.
PRICE_NAMES = frozenset(
    {
        "open",
        "high",
        "low",
        "close",
        "adj close",
        "adj_close",
        "adjclose",
        "adjusted close",
        "adj. close",
        "adj close**",
        "close*",
        "volume",
        "vol.",
        "px_last",
        "px_open",
        "px_high",
        "px_low",
        "px_volume",
        "px_close_1d",
        "price",
        "last",
        "last price",
    }
)


#: :class:`ReadOptions` that say where a table is in its file, rather than how to read it.
_WHERE = ("sheet", "header_row", "region")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a returns file; every returns reader takes these (each uses those that apply
    to its layout), so one request reads any returns file and a saved data set is read again
    with the options it was read with.

    ``missing``: numbers that mean "no value" in this file (besides a layout's own codes).
    ``region``: the column of a multi-region factor workbook (AQR's; default ``USA``).
    ``sheet``: the Excel sheet of a plain workbook.
    ``header_row``, ``date_col``: the row (1-based) naming a plain table's columns, below a
    preamble, and its date column, when they are not the first row and the column named (or
    holding) dates: chosen by the user when the file was opened (see
    :mod:`analytics.data.readers.preview`).
    """

    freq: str = "auto"
    units: str = "auto"
    factor_units: str = "auto"
    id_col: str | None = None
    ret_col: str | None = None
    sheet: str | int | None = None
    keep_outliers: bool = False
    missing: tuple[float, ...] = ()
    region: str | None = None
    header_row: int | None = None
    date_col: str | None = None

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> ReadOptions:
        """Validated options from a mapping (as saved with a workspace)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise InputError(f"unknown returns option {unknown[0]!r}; use {', '.join(sorted(names))}.")
        values = dict(options)
        try:
            values["missing"] = tuple(float(m) for m in values.get("missing") or ())
        except (TypeError, ValueError):
            raise InputError(f"missing codes must be numbers, not {values['missing']!r}.", option="missing") from None
        return cls(**values)

    def table_options(self) -> dict[str, Any]:
        """The options :func:`returns_from_table` takes; the others (``sheet``, ``header_row``,
        ``region``) say where the table is and are used while finding it."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _WHERE}


def find_column(table: Table, names: tuple[str, ...], preferred: str | None, what: str) -> str | None:
    """A column by explicit choice (which must exist) or by one of its usual names."""
    columns = list(table.frame.columns)
    if preferred is not None:
        if preferred not in columns:
            raise InputError(f"{table.source}: no {what} column {preferred!r}; columns are {', '.join(columns)}.")
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
        """Regressors present in the file, in table order (RF excluded)."""
        return ordered_factors(list(self.factors.columns))

    def describe(self) -> pd.DataFrame:
        """One row per series: kind, frequency, first and last date, observations (the data panel)."""
        parts = []
        for kind, frame in (("asset", self.assets), ("factor", self.factors)):
            valid = frame.notna()
            counts = valid.sum()
            keep = counts > 0
            parts.append(
                pd.DataFrame(
                    {
                        "series": frame.columns[keep],
                        "kind": kind,
                        "freq": self.freq,
                        "start": frame.index[valid.to_numpy().argmax(axis=0)][keep.to_numpy()],
                        "end": frame.index[len(frame) - 1 - valid.to_numpy()[::-1].argmax(axis=0)][keep.to_numpy()],
                        "n_obs": counts[keep].to_numpy(),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True).astype({"n_obs": int})

    def with_factors(self, columns: tuple[str, ...] | list[str]) -> ReturnsData:
        """A copy in which the asset ``columns`` (named by a custom model, e.g. a liquidity
        factor the vocabulary does not know) are factors; other names are ignored."""
        moving = [c for c in columns if c in self.assets.columns and c not in self.factors.columns]
        if not moving:
            return self
        note = f"{self.source}: column(s) {', '.join(moving)} used as factors, as the model names them."
        return replace(
            self,
            assets=self.assets.drop(columns=moving),
            factors=self.factors.join(self.assets[moving], how="outer"),
            notes=(*self.notes, note),
        )


def read_returns_table(path: str | Path, options: ReadOptions) -> ReturnsData:
    """Read a plain returns table (CSV, Excel, Parquet), wide or long; see the module docstring."""
    # A long file's id column named by the user is read as written (typed reading keeps only
    # the usual id names as text).
    table = read_table(path, sheet=options.sheet, typed=options.id_col is None, header_row=options.header_row)
    return returns_from_table(table, **options.table_options())


def published_returns(
    table: Table,
    opts: ReadOptions,
    *,
    units: str,
    aliases: Mapping[str, str],
    note: str | None = None,
    missing: tuple[float, ...] = (),
) -> ReturnsData:
    """A publisher's table (Ken French, global-q.org, AQR) as returns: in the ``units`` its
    publisher declares unless the user declared others ("auto" to decide from the values),
    with its own factor spellings and missing-value codes, and ``note`` (how it was read)
    before the table's own notes."""
    data = returns_from_table(
        table,
        freq=opts.freq,
        units=opts.units if opts.units != "auto" else units,
        factor_units=opts.factor_units if opts.factor_units != "auto" else units,
        keep_outliers=opts.keep_outliers,
        missing=(*missing, *opts.missing),
        aliases=aliases,
    )
    return data if note is None else replace(data, notes=(note, *data.notes))


def returns_from_table(
    table: Table,
    *,
    freq: str = "auto",
    units: str = "auto",
    factor_units: str = "auto",
    id_col: str | None = None,
    ret_col: str | None = None,
    keep_outliers: bool = False,
    missing: tuple[float, ...] = (),
    aliases: Mapping[str, str] = ALIASES,
    date_col: str | None = None,
) -> ReturnsData:
    """Turn an already-read :class:`Table` into :class:`ReturnsData`; a value out of line with its
    column is an error unless ``keep_outliers`` (see :func:`~analytics.data.units.units_scale`).

    ``missing`` numbers become NaN; ``aliases`` are the factor spellings of the file's source;
    ``date_col`` names the date column when it is not found by its name or first place.
    """
    date_col = find_date_column(table, date_col)
    parsed = parse_dates(table, date_col)
    notes = list(table.notes) + ([parsed.note] if parsed.note else [])
    id_column = find_column(table, ID_NAMES, id_col, "id")
    frequency = resolve_frequency(freq, parsed.values, table.source)
    # Dates move to the frequency's convention before anything is keyed on them, so that
    # errors about two rows on one month can name both file rows.
    dates = normalize_dates(parsed.values, frequency)
    if id_column is not None and _is_long(table, id_col, ret_col, parsed.values):
        wide = _pivot_long(table, date_col, id_column, ret_col, dates, missing)
    else:
        _check_unique(table, parsed.values, dates, frequency)
        wide = _wide(table, date_col, dates, missing, notes)
    if wide.attrs.get("missing_codes"):
        notes.append(missing_note(table.source, wide.attrs["missing_codes"], missing))
    return returns_from_frame(
        wide,
        frequency,
        table.source,
        notes,
        units=units,
        factor_units=factor_units,
        keep_outliers=keep_outliers,
        aliases=aliases,
    )


def returns_from_frame(
    wide: pd.DataFrame,
    freq: str,
    source: str,
    notes: list[str],
    *,
    units: str = "auto",
    factor_units: str = "auto",
    keep_outliers: bool = False,
    aliases: Mapping[str, str] = ALIASES,
) -> ReturnsData:
    """Numbers on their dates (dates × columns, the file's units) to :class:`ReturnsData`:
    factors split from assets, empty columns dropped, both scaled to decimals."""
    notes = list(notes)
    factors, assets = _split_factors(wide, notes, source, aliases)
    empty = list(assets.columns[assets.isna().all().to_numpy()])
    if empty:
        notes.append(f"{source}: column(s) {', '.join(map(str, empty))} have no values and were left out.")
        assets = assets.drop(columns=empty)
    f_cols = [c for c in factors.columns if c != RF]
    try:
        a_scale, a_note = units_scale(assets, units, freq, what="returns", source=source, keep_outliers=keep_outliers)
        f_scale, f_note = units_scale(
            factors[f_cols], factor_units, freq, what="factors", source=source, keep_outliers=keep_outliers
        )
    except InputError as exc:
        codes = [c for c in KENFRENCH_MISSING if np.isin(wide.to_numpy(dtype=float), c).any()]
        if not codes:
            raise
        raise InputError(
            f"{exc} If {codes[0]:g} marks missing data in this file, declare it a missing code.",
            option="missing",
            file=source,
        ) from None
    notes += [n for n in (a_note, f_note) if n]
    # Decimals are kept as they are, not multiplied by 1 (a copy of every number).
    return ReturnsData(
        assets if a_scale == 1 else assets * a_scale,
        factors if f_scale == 1 else factors * f_scale,
        freq,
        source,
        tuple(notes),
    )


def wide_dates(table: Table, freq: str = "auto") -> tuple[str, pd.DatetimeIndex, str, list[str]]:
    """A one-row-per-date table's date column, its dates in the frequency's convention, the
    frequency, and a note when the date format had to be chosen; two rows on one date
    (month, for monthly data) are an error naming both rows."""
    date_col = find_date_column(table)
    parsed = parse_dates(table, date_col)
    frequency = resolve_frequency(freq, parsed.values, table.source)
    dates = normalize_dates(parsed.values, frequency)
    _check_unique(table, parsed.values, dates, frequency)
    return date_col, dates, frequency, [parsed.note] if parsed.note else []


def missing_note(source: str, count: int, codes: tuple[float, ...]) -> str:
    """``F.csv: 3 cells holding -99.99 or -999 read as missing.``"""
    shown = " or ".join(f"{c:g}" for c in codes)
    return f"{source}: {count} cell(s) holding {shown} read as missing."


def _is_long(table: Table, id_col: str | None, ret_col: str | None, dates: pd.DatetimeIndex) -> bool:
    """Whether a file with a column named like an id is long: the user said so, a return
    column sits beside it, or most rows repeat a date. A wide file may well have a fund
    called 'Fund' or 'Asset' (and a stray duplicate date, reported as such)."""
    if id_col is not None or find_column(table, RETURN_NAMES, ret_col, "return") is not None:
        return True
    return bool(dates.duplicated().mean() >= 0.5)


def _wide(
    table: Table, date_col: str, dates: pd.DatetimeIndex, missing: tuple[float, ...], notes: list[str]
) -> pd.DataFrame:
    """The value columns by date; price and volume columns are left out with a note."""
    columns = [c for c in table.frame.columns if c != date_col]
    prices = [c for c in columns if c.strip().lower() in PRICE_NAMES]
    value_cols = [c for c in columns if c not in prices]
    if prices and not value_cols:
        raise InputError(
            f"{table.source}: column(s) {', '.join(prices)} are prices or volumes, not returns; open the file "
            "as returns data (a price history is converted to returns) or add return columns."
        )
    if not value_cols:
        raise InputError(f"{table.source}: only a date column; add return columns.")
    if prices:
        notes.append(f"{table.source}: column(s) {', '.join(prices)} are prices or volumes, not returns; left out.")
    frame = to_numbers(table, value_cols, missing=missing)
    frame.index = dates
    if not dates.is_monotonic_increasing:  # sorting a sorted file would copy every number
        codes = frame.attrs.get("missing_codes", 0)
        frame = frame.sort_index()
        frame.attrs["missing_codes"] = codes
    return frame


def _pivot_long(
    table: Table,
    date_col: str,
    id_col: str,
    ret_col: str | None,
    dates: pd.DatetimeIndex,
    missing: tuple[float, ...],
) -> pd.DataFrame:
    value_col = find_column(table, RETURN_NAMES, ret_col, "return")
    if value_col is None:
        raise InputError(
            f"{table.source}: long file (id column {id_col!r}) without a return column; name it 'ret' "
            "or say which column holds the returns.",
            option="ret_col",
        )
    numbers = to_numbers(table, [value_col], missing=missing)
    values = numbers[value_col].to_numpy()
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
    wide = long.pivot(index="date", columns="id", values="ret").rename_axis(columns=None)
    wide.attrs["missing_codes"] = numbers.attrs["missing_codes"]
    return wide


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


def _split_factors(
    wide: pd.DataFrame, notes: list[str], source: str, aliases: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Factor columns under canonical names, and the remaining asset columns."""
    rename = {c: canonical_factor_name(str(c), aliases) for c in wide.columns}
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


def returns_dataset(path: str | Path, **options: Any) -> Dataset:
    """:func:`~analytics.data.readers.load_returns` as a workspace :class:`~analytics.data.dataset.Dataset` (options as
    :class:`ReadOptions`; a plain table has no regions, so ``region`` does not apply)."""
    data = read_returns_table(path, ReadOptions.of(options))
    return as_dataset(data, path)


def as_dataset(data: ReturnsData, path: str | Path) -> Dataset:
    """Returns read from ``path`` as a workspace data set."""
    from analytics.data.dataset import Dataset, describe_returns

    return Dataset(Path(path).name, "returns", data, describe_returns(data), str(path), data.notes)
