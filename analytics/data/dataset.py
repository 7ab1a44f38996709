"""A loaded data set: what every reader returns, every tab picks from and the workspace lists.

Canonical shapes of ``data`` by ``kind``, so that analyses never re-parse:

- ``returns``: :class:`~analytics.data.returns.ReturnsData` (assets and factors, decimals).
- ``holdings``: DataFrame ``date`` (datetime64), ``id`` (str), ``weight`` (float), ``kind``
  (``security`` or ``cash``), sorted.
- ``panel``: DataFrame ``date`` (datetime64, month-end for monthly), ``id`` (str), numeric
  columns (returns, characteristics, market cap).
- ``portfolios``: DataFrame ``portfolio`` (str), ``id`` (str), ``weight`` (float).

It sits at the bottom of the data layer (it imports nothing of ours), so readers, the store
and the workspace can all make data sets without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from analytics.data.returns import ReturnsData

__all__ = ["Dataset", "describe_frame", "describe_returns"]


@dataclass(frozen=True)
class Dataset:
    """A loaded data set: display name, kind, canonical data, and where it came from."""

    name: str
    kind: str
    data: Any
    summary: str
    path: str | None = None
    notes: tuple[str, ...] = field(default=())
    simulated: bool = False
    #: The reader that read ``path`` and the options it used, so a restore reads the file the
    #: same way without guessing again (see :mod:`analytics.data.readers`).
    reader: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def describe_returns(data: ReturnsData) -> str:
    """``daily, 2012-01-02 to 2021-12-31, 5 assets, 6 factors + RF``."""
    index = data.assets.index if len(data.assets.columns) else data.factors.index
    parts = [data.freq, f"{index[0].date()} to {index[-1].date()}"]
    if len(data.assets.columns):
        parts.append(f"{data.assets.shape[1]} assets")
    if data.factor_names:
        parts.append(f"{len(data.factor_names)} factors" + (" + RF" if "RF" in data.factors else ""))
    return ", ".join(parts)


def describe_frame(frame: pd.DataFrame, what: str) -> str:
    """``306 rows, 2012-03-30 to 2021-09-30, 16 ids`` for long tables."""
    parts = [f"{len(frame)} {what}"]
    if "date" in frame:
        parts.append(f"{frame['date'].min().date()} to {frame['date'].max().date()}")
    if "id" in frame:
        parts.append(f"{frame['id'].nunique()} ids")
    return ", ".join(parts)
