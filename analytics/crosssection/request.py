"""Cross-sections and characteristic-adjusted returns as the user asked for them, and the one
function that runs them.

The Characteristic-adjusted returns tab, ``crosssection`` and ``charadj`` build the same
:class:`CrossSectionRequest` and call :func:`run_cross_section`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.crosssection.engines import ENGINES
from analytics.crosssection.model import CrossSectionModel
from analytics.crosssection.report import CrossSectionReport
from analytics.data.dataset import Dataset
from analytics.data.partitioned import PartitionedPanel
from analytics.errors import InputError
from analytics.jobs import Job, Progress
from analytics.request import check_at_least

__all__ = ["CrossSectionRequest", "run_cross_section"]


@dataclass(frozen=True, eq=False)
class CrossSectionRequest:
    """Per-date regressions of returns on z-scored characteristics, Fama-MacBeth premia, and
    optionally portfolios' characteristic-adjusted returns.

    Parameters
    ----------
    panel : Dataset
        The stock panel (kind ``panel``: in memory, or a date-partitioned dataset on disk).
    portfolios : Dataset, optional
        Portfolio weights (kind ``portfolios``) to adjust.
    chars : tuple of str, optional
        Characteristics (default: every numeric column but the return, weight and market cap).
    ret_col, weight_col, cap_col : str
        The return column; WLS weights (market cap); market cap for ``top_pct``.
    top_pct : float, optional
        Only the largest ``top_pct`` percent of stocks by market cap at each date.
    winsorize : float, optional
        Clip characteristics at their ``winsorize`` and ``100 - winsorize`` percentiles per date.
    constant : bool
        Add a constant (the chapter's regression has none).
    nw_lags : int, optional
        Newey-West lags of the Fama-MacBeth t (default: the ``4 (T/100)^(2/9)`` rule).
    month : str or Period, optional
        Only this month's cross-section (``YYYY-MM``).
    engine, scheduler, block_dates
        Where the date blocks run (``local`` or ``dask`` at ``scheduler``, a local cluster
        without one) and how many dates a block holds.
    """

    panel: Dataset
    portfolios: Dataset | None = None
    chars: tuple[str, ...] | None = None
    ret_col: str = "re"
    weight_col: str | None = None
    top_pct: float | None = None
    cap_col: str | None = None
    winsorize: float | None = None
    constant: bool = False
    nw_lags: int | None = None
    month: pd.Period | str | None = None
    engine: str = "local"
    scheduler: str | None = None
    block_dates: int | None = None

    def __post_init__(self) -> None:
        if self.chars is not None:
            object.__setattr__(self, "chars", tuple(dict.fromkeys(str(c) for c in self.chars)))
        object.__setattr__(self, "month", _month(self.month))
        for dataset, option, kind in ((self.panel, "panel", "panel"), (self.portfolios, "portfolios", "portfolios")):
            if dataset is not None and dataset.kind != kind:
                raise InputError(f"{dataset.name} holds {dataset.kind}, not a {kind}.", option=option)
        if self.winsorize is not None and not 0 <= self.winsorize < 50:
            raise InputError(
                f"the winsorizing percentile must be in [0, 50), not {self.winsorize:g}.", option="winsorize"
            )
        if self.top_pct is not None and not 0 < self.top_pct <= 100:
            raise InputError(
                f"the top percent must be above 0 and at most 100, not {self.top_pct:g}.", option="top_pct"
            )
        if self.engine not in ENGINES:
            raise InputError(f"unknown engine {self.engine!r}; use {' or '.join(ENGINES)}.", option="engine")
        if self.scheduler and self.engine != "dask":
            raise InputError(
                "a scheduler address is for the Dask engine; choose that engine, or leave the address out.",
                option="scheduler",
            )
        check_at_least(self.nw_lags, 0, "nw_lags", "Newey-West lags")
        check_at_least(self.block_dates, 1, "block_dates", "dates per block")

    @property
    def engine_options(self) -> dict[str, Any]:
        """The engine's options that were set."""
        options: dict[str, Any] = {"block_dates": self.block_dates, "scheduler": self.scheduler}
        return {k: v for k, v in options.items() if v is not None}


def _month(value: pd.Period | str | None) -> pd.Period | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return pd.Period(value.strip() if isinstance(value, str) else value, freq="M")
    except (ValueError, TypeError):
        raise InputError(f"{value!r} is not a month; write it as YYYY-MM.", option="month") from None


def _panel_of(request: CrossSectionRequest) -> pd.DataFrame | PartitionedPanel:
    """The panel to fit: only the request's month when it names one (a dataset on disk reads
    only that month's files)."""
    panel: pd.DataFrame | PartitionedPanel = request.panel.data
    if request.month is None:
        return panel
    chosen: pd.DataFrame | PartitionedPanel
    if isinstance(panel, PartitionedPanel):
        dates = panel.dates
        chosen = panel.subset(dates[dates.to_period("M") == request.month])
        empty, first, last = len(chosen.dates) == 0, dates.min(), dates.max()
    else:
        rows = panel.loc[panel["date"].dt.to_period("M") == request.month]
        chosen, empty, first, last = rows, rows.empty, panel["date"].min(), panel["date"].max()
    if empty:
        raise InputError(
            f"{request.panel.name}: no rows in {request.month}; dates run from {first.date()} to {last.date()}.",
            option="month",
        )
    return chosen


def run_cross_section(request: CrossSectionRequest) -> Job[CrossSectionReport]:
    """Fit every date's cross-section and the Fama-MacBeth premia, then adjust the portfolios;
    the report keeps the request and every note (the inputs' first)."""
    yield Progress(0.0, "preparing the panel")
    model = CrossSectionModel(
        _panel_of(request),
        ret_col=request.ret_col,
        chars=request.chars,
        weight_col=request.weight_col,
        top_pct=request.top_pct,
        cap_col=request.cap_col,
        winsorize=None if request.winsorize is None else request.winsorize / 100,
        constant=request.constant,
        source=request.panel.name,
    )
    results = yield from model.fit_job(nw_lags=request.nw_lags, engine=request.engine, **request.engine_options)
    portfolios = request.portfolios
    adjusted = results.characteristic_adjusted(portfolios.data) if portfolios is not None else None
    notes = (*request.panel.notes, *(portfolios.notes if portfolios is not None else ()))
    return CrossSectionReport(results, adjusted, request=request, input_notes=tuple(dict.fromkeys(notes)))
