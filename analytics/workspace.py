"""What a user has loaded: the demo workspace, and files read as jobs.

The GUI's data panel lists :class:`~analytics.data.dataset.Dataset` objects and every tab
picks its inputs from them; the same readers serve the command line. Files are read by the readers of :mod:`analytics.data.readers` (one per published layout,
plain tables last), which return data sets that remember the reader and its
options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analytics.data.dataset import Dataset, describe_frame, describe_returns
from analytics.data.demo import DemoWorkspace, make_demo
from analytics.data.returns import ReturnsData
from analytics.jobs import Job, Progress

__all__ = ["demo_datasets", "demo_job", "load_dataset_job"]


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
