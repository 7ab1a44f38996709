"""What a user has loaded: named data sets of a few kinds, each in one canonical shape.

The GUI's data panel lists :class:`Dataset` objects and every tab picks its inputs from them;
the same loaders serve the command line. Canonical shapes, so that analyses never re-parse:

- ``returns``: :class:`~analytics.data.returns.ReturnsData` (assets and factors, decimals).
- ``holdings``: DataFrame ``date`` (datetime64), ``id`` (str), ``weight`` (float), sorted.
- ``panel``: DataFrame ``date`` (datetime64, month-end for monthly), ``id`` (str), numeric
  columns (returns, characteristics, market cap).
- ``portfolios``: DataFrame ``portfolio`` (str), ``id`` (str), ``weight`` (float).

Files are read by the readers of :mod:`analytics.data.readers` (one per published layout,
plain tables last), which return :class:`Dataset` objects that remember the reader and its
options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.data.demo import DemoWorkspace, make_demo
from analytics.data.returns import ReturnsData
from analytics.jobs import Job, Progress

__all__ = [
    "Dataset",
    "demo_datasets",
    "demo_job",
    "describe_frame",
    "describe_returns",
    "famafrench_dataset_job",
    "load_dataset_job",
]


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
        Dataset(
            "Demo holdings (rotation fund)", "holdings", holdings, describe_frame(holdings, "holdings"), simulated=True
        ),
        Dataset("Demo stock panel (monthly)", "panel", panel, describe_frame(panel, "rows"), simulated=True),
        Dataset(
            "Demo portfolios",
            "portfolios",
            demo.portfolios,
            describe_frame(demo.portfolios, "positions"),
            simulated=True,
        ),
    ]


def load_dataset_job(
    path: str | Path, kind: str | None = None, *, reader: str | None = None, **options: Any
) -> Job[Dataset]:
    """Read ``path`` as a job, so that the GUI reads big files off its thread: with the named
    ``reader`` (a restored workspace), else the first reader of ``kind`` (or of any kind) that
    accepts the file."""
    from analytics.data.readers import read_dataset

    yield Progress(0.0, f"reading {Path(path).name}")
    return read_dataset(path, kind, reader=reader, **options)


def demo_job() -> Job[list[Dataset]]:
    """Generate the demo workspace as a job (the GUI's first start)."""
    yield Progress(0.0, "generating the demo workspace")
    return demo_datasets(make_demo())


def famafrench_dataset_job(model: str, freq: str, *, offline: bool = False) -> Job[Dataset]:
    """The Ken French library's factors for ``model`` as a data set (downloaded or cached)."""
    from analytics.data.famafrench import famafrench_job

    data = yield from famafrench_job(model, freq, offline=offline)
    return Dataset(f"Ken French {model} ({freq})", "returns", data, describe_returns(data), None, data.notes)
