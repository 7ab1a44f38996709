"""Plain tables, read by column names: the readers tried last.

A plain table is whatever a user saved themselves: a returns table (wide or long), a holdings
table, a stock panel or portfolio weights. Which one it is shows in the header row: a
``portfolio`` and an id column make portfolios; an id and a weight, shares or value column
make holdings; an id and several other columns make a panel; anything else is returns.
The loaders are imported when a file is read, not when the readers are listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.data.readers import Reader, header
from analytics.data.returns import ID_NAMES
from analytics.data.text import Sniffed

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["READERS"]

_TABLES = ("text", "xlsx", "parquet")
_HOLDINGS_COLUMNS = frozenset({"weight", "shares", "value"})


def _has_id(cells: tuple[str, ...]) -> bool:
    return bool(set(cells) & set(ID_NAMES))


def _portfolios(sniffed: Sniffed) -> bool:
    cells = header(sniffed)
    return sniffed.container in _TABLES and "portfolio" in cells and _has_id(cells)


def _holdings(sniffed: Sniffed) -> bool:
    """An id with a weight or shares column; a ``value`` column alone only when little else is
    beside it (in a stock panel ``value`` is a characteristic)."""
    cells = set(header(sniffed))
    if sniffed.container not in _TABLES or not _has_id(tuple(cells)):
        return False
    others = cells - set(ID_NAMES) - {"date", "price"} - _HOLDINGS_COLUMNS
    return bool(cells & {"weight", "shares"}) or ("value" in cells and len(others) <= 1)


def _panel(sniffed: Sniffed) -> bool:
    cells = set(header(sniffed))
    return sniffed.container in _TABLES and _has_id(tuple(cells)) and len(cells - set(ID_NAMES) - {"date"}) > 2


def _returns(sniffed: Sniffed) -> bool:
    return sniffed.container in _TABLES


def _read_returns(path: str | Path, **options: Any) -> Dataset:
    from analytics.data.returns import returns_dataset

    return returns_dataset(path, **options)


def _read_holdings(path: str | Path, **options: Any) -> Dataset:
    from analytics.data.holdings import holdings_dataset

    return holdings_dataset(path, **options)


def _read_panel(path: str | Path, *, stored: bool = True, **options: Any) -> Dataset:
    """A panel, kept in the local store by default so that the tabs stream it by dates."""
    from analytics.data.panel import panel_dataset

    return panel_dataset(path, stored=stored, **options)


def _read_portfolios(path: str | Path, **options: Any) -> Dataset:
    from analytics.data.panel import portfolios_dataset

    return portfolios_dataset(path, **options)


READERS = (
    Reader("table-portfolios", "portfolios", "portfolio weights table", _portfolios, _read_portfolios),
    Reader("table-holdings", "holdings", "holdings table", _holdings, _read_holdings, folders=True),
    Reader("table-panel", "panel", "stock panel table", _panel, _read_panel),
    Reader("table-returns", "returns", "returns table", _returns, _read_returns),
)
