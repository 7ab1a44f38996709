"""Readers of published holdings exports: ARK, iShares, SPDR, Invesco, Vanguard-style
sectioned files, a broker's positions export, and any other export with a preamble.

Each reader recognises its publisher's layout from the first rows (the header's names,
the preamble's labels); all read with the same rules (:mod:`analytics.data.holdings_positions`),
because layouts differ in names and preambles, not in kind. A recognised layout still
matters: the app says which reader read the file, the choice is saved with the workspace,
and these readers come before the plain tables, which would otherwise take an iShares file
(its header is on line 10) for a returns table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.data.holdings_positions import canonical_name, is_holdings_header
from analytics.data.readers import Reader
from analytics.data.text import Sniffed

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["READERS"]

_TABLES = ("text", "xlsx")


def _rows(sniffed: Sniffed) -> list[list[str]]:
    """The sniffed rows that hold something, names canonical (lower-cased, ``*`` and ``:`` removed)."""
    rows = [[canonical_name(c) for c in row] for row in sniffed.rows]
    return [row for row in rows if any(row)]


def _has_row(sniffed: Sniffed, test: Callable[[list[str]], bool]) -> bool:
    return sniffed.container in _TABLES and any(test(row) for row in _rows(sniffed))


def _ark(sniffed: Sniffed) -> bool:
    """``date,fund,company,ticker,cusip,shares,market value ($),weight (%)`` (2020, 2021, 2024)."""
    rows = _rows(sniffed)
    return sniffed.container in _TABLES and bool(rows) and rows[0][:5] == ["date", "fund", "company", "ticker", "cusip"]


def _ishares(sniffed: Sniffed) -> bool:
    """A fund-facts preamble (``Fund Holdings as of,"Apr 06, 2023"``) above ``Ticker,Name,...``."""
    return _has_row(sniffed, lambda row: row[0].startswith("fund holdings as of"))


def _spdr(sniffed: Sniffed) -> bool:
    """SPDR's workbook: ``Fund Name:``, ``Ticker Symbol:``, ``Holdings: As of ...``, then
    ``Name, Ticker, Identifier, SEDOL, Weight, ...``."""
    return (
        sniffed.container == "xlsx"
        and _has_row(sniffed, lambda row: row[0] == "fund name")
        and _has_row(sniffed, lambda row: row[:3] == ["name", "ticker", "identifier"])
    )


def _invesco(sniffed: Sniffed) -> bool:
    """``Fund Ticker, Security Identifier, Holding Ticker, ...`` (equity funds) or the bond
    funds' ``... PercentageOfFund ... PositionDate``."""
    return _has_row(
        sniffed, lambda row: "fund ticker" in row and ("holding ticker" in row or "percentageoffund" in row)
    )


def _sectioned(sniffed: Sniffed) -> bool:
    """Vanguard's ``Holdings details`` file: sections (``Equity,as of 09/30/2020``) each with
    its own header row."""
    return _has_row(
        sniffed,
        lambda row: (
            row[0] in ("equity", "fixed income", "short-term reserves") and len(row) > 1 and row[1].startswith("as of")
        ),
    )


def _broker(sniffed: Sniffed) -> bool:
    """A custodian's positions export: an account title line, then ``Symbol, Description,
    Quantity, Price, Market Value, % of Account``, total rows at the end."""
    return _has_row(sniffed, lambda row: "symbol" in row and "description" in row and "% of account" in row)


def _export(sniffed: Sniffed) -> bool:
    """Any other export whose holdings header (an id and a weight or market value column)
    sits below a preamble; plain tables (header on the first row) are the plain readers'."""
    rows = [row for row in sniffed.rows if any(c.strip() for c in row)]
    return sniffed.container in _TABLES and any(
        is_holdings_header(row) and "portfolio" not in [canonical_name(c) for c in row] for row in rows[1:]
    )


def _read(path: str | Path, **options: Any) -> Dataset:
    from analytics.data.holdings import holdings_dataset

    return holdings_dataset(path, **options)


READERS = (
    Reader("ark-holdings", "holdings", "ARK holdings export", _ark, _read, folders=True),
    Reader("ishares-holdings", "holdings", "iShares holdings export", _ishares, _read, folders=True),
    Reader("spdr-holdings", "holdings", "SPDR holdings workbook", _spdr, _read, folders=True),
    Reader("invesco-holdings", "holdings", "Invesco holdings export", _invesco, _read, folders=True),
    Reader("sectioned-holdings", "holdings", "sectioned holdings file (Vanguard)", _sectioned, _read, folders=True),
    Reader("broker-positions", "holdings", "broker positions export", _broker, _read, folders=True),
    Reader("holdings-export", "holdings", "holdings export with a preamble", _export, _read, folders=True),
)
