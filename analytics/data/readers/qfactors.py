"""The Hou-Xue-Zhang q-factor files as global-q.org publishes them.

Monthly files are ``year,month,R_F,R_MKT,R_ME,R_IA,R_ROE,R_EG``; daily files have a ``DATE``
column (``YYYYMMDD``) and weekly ones a ``date`` column instead of year and month. Values are
percent (declared by the layout, not guessed). ``R_F`` is the risk-free rate (``RF``) and
``R_MKT`` the market's *excess* return, shown as ``Mkt-RF``; ``R_ME``, ``R_IA``, ``R_ROE`` and
``R_EG`` keep their names. The site's documentation has no missing-value codes, so none apply
unless the user declares them. The annual and quarterly files are refused: FactorDesk reads
daily, weekly and monthly data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.data.readers import Reader, header
from analytics.data.returns import ReadOptions, as_dataset, published_returns
from analytics.data.tables import Table, read_table
from analytics.data.text import Sniffed
from analytics.errors import InputError
from analytics.factors import QFACTOR_ALIASES

if TYPE_CHECKING:
    from analytics.data.dataset import Dataset

__all__ = ["READERS"]

_Q_COLUMNS = frozenset({"r_mkt", "r_me", "r_ia", "r_roe", "r_eg"})


def _accepts(sniffed: Sniffed) -> bool:
    cells = set(header(sniffed))
    return sniffed.container in ("text", "xlsx") and "r_f" in cells and len(cells & _Q_COLUMNS) >= 2


def _read(path: str | Path, **options: Any) -> Dataset:
    opts = ReadOptions.of(options)
    table = _dated(read_table(path, sheet=opts.sheet))
    note = (
        f"{table.source}: read as a q-factor file (global-q.org): values in percent, R_F is RF and R_MKT "
        "the market excess return (Mkt-RF)."
    )
    return as_dataset(published_returns(table, opts, units="percent", aliases=QFACTOR_ALIASES, note=note), path)


def _dated(table: Table) -> Table:
    """The table with one ``date`` column: ``year`` and ``month`` become ``YYYYMM``."""
    lowered = {c.strip().lower(): c for c in table.frame.columns}
    if "year" not in lowered:
        return table
    if "month" not in lowered:
        period = next((p for p in ("quarter", "week") if p in lowered), "year")
        raise InputError(
            f"{table.source}: a q-factor file by {period}; FactorDesk reads the daily, weekly (with a date column) "
            "and monthly files.",
            file=table.source,
        )
    year, month = table.frame[lowered["year"]].str.strip(), table.frame[lowered["month"]].str.strip()
    dates = year + month.str.zfill(2)
    bad = ~(year.str.fullmatch(r"\d{4}") & month.str.fullmatch(r"\d{1,2}"))
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"{table.source}: {table.row_label(pos)}: year {year.iloc[pos]!r} and month {month.iloc[pos]!r} "
            "are not a month; fix the cells.",
            file=table.source,
        )
    rest = table.frame.drop(columns=[lowered["year"], lowered["month"]])
    frame = pd.concat([dates.rename("date"), rest], axis=1)
    return Table(frame, table.source, table.notes, table.first_row)


READERS = (Reader("qfactors", "returns", "q-factor file (global-q.org)", _accepts, _read),)
