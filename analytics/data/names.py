"""Who an id is: tickers and names for PERMNOs or fund codes.

A CRSP extract names stocks by PERMNO; a user recognises AAPL. A names table (``id, ticker,
name``) comes from a mapping file the user keeps, or from a WRDS pull's names; the GUI shows
``14593  AAPL · Apple Inc`` wherever the id appears in a list. Column spellings follow the
returns loader's (``permno``/``id``, ``ticker``/``symbol``, ``name``/``comnam``); a ticker
or name may be blank. An id listed twice keeps its last row (a later name, as CRSP's
stocknames lists them in date order).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.data.tables import Table, read_table
from analytics.errors import InputError

__all__ = ["NAME_COLUMNS", "name_labels", "names_table", "read_names"]

NAME_COLUMNS = ("id", "ticker", "name")
_SPELLINGS = {
    "id": ("id", "permno", "fund", "asset", "stock"),
    "ticker": ("ticker", "symbol", "tsymbol"),
    "name": ("name", "comnam", "company", "fund_name", "security"),
}


def read_names(path: str | Path) -> pd.DataFrame:
    """The ``id, ticker, name`` table of a mapping file (CSV, Excel or Parquet)."""
    return names_table(read_table(path))


def names_table(table: Table) -> pd.DataFrame:
    """``id, ticker, name`` (all text, one row per id) from a table read by :func:`read_table`."""
    lowered = {c.lower(): c for c in table.frame.columns}
    found = {key: next((lowered[s] for s in spellings if s in lowered), None) for key, spellings in _SPELLINGS.items()}
    if found["id"] is None:
        raise InputError(f"{table.source}: no id column (id or permno); a names file has columns id, ticker, name.")
    if found["ticker"] is None and found["name"] is None:
        raise InputError(f"{table.source}: no ticker or name column; a names file has columns id, ticker, name.")
    out = pd.DataFrame({key: table.frame[col].astype(str).str.strip() if col else "" for key, col in found.items()})
    out["id"] = out["id"].map(_plain_id)
    out = out[out["id"] != ""]
    return out.drop_duplicates("id", keep="last").reset_index(drop=True)


def _plain_id(text: str) -> str:
    """``14593.0`` (an id a spreadsheet stored as a number) reads as ``14593``."""
    head, dot, tail = text.partition(".")
    return head if dot and head.isdigit() and tail.strip("0") == "" else text


def name_labels(names: pd.DataFrame) -> dict[str, str]:
    """id → ``TICKER · Name`` (whichever parts are known), for lists that show ids."""
    labels: dict[str, str] = {}
    for row in names.itertuples(index=False):
        parts = (row.ticker, row.name)
        text = " · ".join(part for part in parts if isinstance(part, str) and part and part.lower() != "nan")
        if text:
            labels[str(row.id)] = text
    return labels
