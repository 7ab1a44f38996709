"""Price histories (Yahoo Finance, Bloomberg ``PX_LAST``, a plain ``Date,Close``) as returns.

A price history is a date column and price or volume columns only (``Date,Open,High,Low,
Close,Adj Close,Volume`` from Yahoo; ``Date,PX_LAST`` from Bloomberg; ``Date,Close``). It
becomes one return series, ``p_t / p_{t-1} - 1`` on consecutive rows, from ``Adj Close``
(dividends and splits included) or else ``Close``, ``PX_LAST`` or ``Price``, named after the
file's stem (``ARKK.csv`` -> ``ARKK``), with a note. Yahoo writes ``null`` for a missing
price; a missing price leaves both its return and the next one missing rather than joining two
periods into one. A price column with no prices at all, or a price that is zero or negative,
is refused with its file, column and row: such a history cannot give returns.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics.data.readers import Reader, header
from analytics.data.returns import (
    PRICE_NAMES,
    ReadOptions,
    ReturnsData,
    as_dataset,
    missing_note,
    returns_from_frame,
    wide_dates,
)
from analytics.data.tables import Table, read_table, to_numbers
from analytics.data.text import Sniffed
from analytics.errors import InputError

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["PRICE_COLUMNS", "READERS", "read_prices"]

#: Price columns in order of preference (lower-cased): total-return prices first.
PRICE_COLUMNS = (
    "adj close",
    "adj_close",
    "adjclose",
    "adjusted close",
    "adj. close",
    "adj close**",
    "close",
    "close*",
    "px_last",
    "price",
    "last",
    "last price",
)
_DATE_NAMES = frozenset({"date", "dates", "time", "datetime", "timestamp"})


def _accepts(sniffed: Sniffed) -> bool:
    cells = [c for c in header(sniffed) if c]
    if sniffed.container not in ("text", "xlsx", "parquet") or not cells or cells[0] not in _DATE_NAMES:
        return False
    rest = cells[1:]
    return bool(rest) and all(c in PRICE_NAMES for c in rest) and any(c in PRICE_COLUMNS for c in rest)


def read_prices(table: Table, options: ReadOptions, name: str) -> ReturnsData:
    """One return series named ``name`` from a price table."""
    _, dates, freq, notes = wide_dates(table, options.freq)
    lowered = {c.strip().lower(): c for c in table.frame.columns}
    column = next(lowered[c] for c in PRICE_COLUMNS if c in lowered)
    numbers = to_numbers(table, [column], missing=options.missing)
    prices = pd.Series(numbers[column].to_numpy(), index=dates).sort_index()
    if prices.notna().sum() == 0:
        raise InputError(
            f"{table.source}: column {column!r} has no prices (all {len(prices)} cells are empty or null); "
            "download the history again, or remove the column to use another price column.",
            file=table.source,
            column=column,
        )
    bad = np.flatnonzero((numbers[column] <= 0).to_numpy())
    if bad.size:
        raise InputError(
            f"{table.source}: {table.row_label(int(bad[0]))}, column {column!r}: price "
            f"{numbers[column].iloc[int(bad[0])]:g} is not positive; fix the cell or leave it blank.",
            file=table.source,
            column=column,
        )
    returns = prices / prices.shift(1) - 1  # NaN around every missing price, never across it
    gaps = int(prices.isna().sum())
    notes = [*table.notes, *notes, f"{table.source}: prices converted to returns (column {column!r})."]
    if gaps:
        notes.append(f"{table.source}: {gaps} missing price(s); the returns into and out of each are missing.")
    if numbers.attrs.get("missing_codes"):
        notes.append(missing_note(table.source, numbers.attrs["missing_codes"], options.missing))
    wide = returns.iloc[1:].to_frame(name)
    return returns_from_frame(
        wide, freq, table.source, notes, units="decimal", factor_units="decimal", keep_outliers=options.keep_outliers
    )


def _read(path: str | Path, **options: Any) -> Dataset:
    opts = ReadOptions.of(options)
    data = read_prices(read_table(path, sheet=opts.sheet), opts, Path(path).stem)
    return as_dataset(data, path)


READERS = (Reader("price-history", "returns", "price history", _accepts, _read),)
