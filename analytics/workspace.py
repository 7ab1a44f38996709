"""What a user has loaded: named data sets of a few kinds, each in one canonical shape.

The GUI's data panel lists :class:`Dataset` objects and every tab picks its inputs from them;
the same loaders serve the command line. Canonical shapes, so that analyses never re-parse:

- ``returns``: :class:`~analytics.data.returns.ReturnsData` (assets and factors, decimals).
- ``holdings``: DataFrame ``date`` (datetime64), ``id`` (str), ``weight`` (float), sorted.
- ``panel``: DataFrame ``date`` (datetime64, month-end for monthly), ``id`` (str), numeric
  columns (returns, characteristics, market cap).
- ``portfolios``: DataFrame ``portfolio`` (str), ``id`` (str), ``weight`` (float).

Loaders are found by kind in :data:`LOADERS` (``module:function`` strings, imported on first
use so that start-up stays fast). Each takes a path and keyword options and returns a
:class:`Dataset`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.data.demo import DemoWorkspace, make_demo
from analytics.data.returns import ID_NAMES, ReturnsData
from analytics.data.tables import read_table
from analytics.errors import InputError
from analytics.jobs import Job, Progress

__all__ = [
    "Dataset", "KINDS", "LOADERS", "load_dataset", "load_dataset_job", "demo_datasets", "demo_job",
    "describe_returns", "describe_frame", "guess_kind", "famafrench_dataset_job",
]

LOADERS: dict[str, str] = {
    "returns": "analytics.data.returns:returns_dataset",
    "holdings": "analytics.exposures.holdings:holdings_dataset",
    "panel": "analytics.crosssection.panel:panel_dataset",
    "portfolios": "analytics.crosssection.panel:portfolios_dataset",
}
KINDS = tuple(LOADERS)


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


def load_dataset(path: str | Path, kind: str, **options: Any) -> Dataset:
    """Load ``path`` as a data set of ``kind`` with that kind's loader."""
    try:
        target = LOADERS[kind]
    except KeyError:
        raise InputError(f"unknown data kind {kind!r}; use one of {', '.join(KINDS)}.") from None
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)(path, **options)


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


def demo_datasets(demo: DemoWorkspace) -> list[Dataset]:
    """The demo workspace as data sets, labelled as simulated."""
    def returns(assets: pd.DataFrame, factors: pd.DataFrame, name: str) -> Dataset:
        data = ReturnsData(assets, factors, "daily", name)
        return Dataset(name, "returns", data, describe_returns(data), simulated=True)

    empty = pd.DataFrame(index=demo.factors.index)
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    panel = demo.panel.assign(date=pd.to_datetime(demo.panel["date"]))
    return [
        returns(demo.funds, demo.factors, "Demo funds + factors (daily)"),
        returns(empty, demo.factors, "Demo factors (daily)"),
        returns(demo.stocks, demo.factors, "Demo stocks (daily)"),
        Dataset("Demo holdings (rotation fund)", "holdings", holdings, describe_frame(holdings, "holdings"), simulated=True),
        Dataset("Demo stock panel (monthly)", "panel", panel, describe_frame(panel, "rows"), simulated=True),
        Dataset("Demo portfolios", "portfolios", demo.portfolios,
                describe_frame(demo.portfolios, "positions"), simulated=True),
    ]


def load_dataset_job(path: str | Path, kind: str | None = None, **options: Any) -> Job[Dataset]:
    """:func:`load_dataset` as a job, so that the GUI reads big files off its thread; the kind
    is guessed from the header when None (a dropped file)."""
    yield Progress(0.0, f"reading {Path(path).name}")
    return load_dataset(path, kind or guess_kind(path), **options)


def demo_job() -> Job[list[Dataset]]:
    """Generate the demo workspace as a job (the GUI's first start)."""
    yield Progress(0.0, "generating the demo workspace")
    return demo_datasets(make_demo())


def guess_kind(path: str | Path) -> str:
    """The likely kind of a dropped file, from its header: portfolios, holdings, panel or returns."""
    columns = {c.strip().lower() for c in read_table(path).frame.columns}
    has_id = bool(columns & set(ID_NAMES))
    if "portfolio" in columns and has_id:
        return "portfolios"
    if has_id and columns & {"weight", "shares", "value"}:
        return "holdings"
    if has_id and len(columns - set(ID_NAMES) - {"date"}) > 2:
        return "panel"
    return "returns"


def famafrench_dataset_job(model: str, freq: str, *, offline: bool = False) -> Job[Dataset]:
    """The Ken French library's factors for ``model`` as a data set (downloaded or cached)."""
    from analytics.data.famafrench import famafrench_job

    data = yield from famafrench_job(model, freq, offline=offline)
    return Dataset(f"Ken French {model} ({freq})", "returns", data, describe_returns(data), None, data.notes)
