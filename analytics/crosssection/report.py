"""Everything the characteristic-adjusted returns tab shows, computed as one job.

The per-date cross-sections and their Fama-MacBeth premia, and, when portfolios are given,
their raw, characteristic-implied and adjusted returns over the same dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.crosssection.model import CrossSectionModel
from analytics.crosssection.results import CharAdjResults, CrossSectionResults
from analytics.data.partitioned import PartitionedPanel
from analytics.jobs import Job

__all__ = ["CrossSectionReport", "cross_section_report_job"]


@dataclass(frozen=True)
class CrossSectionReport:
    """Cross-sectional results, and the portfolios' adjusted returns (None without portfolios)."""

    results: CrossSectionResults
    adjusted: CharAdjResults | None

    @property
    def notes(self) -> tuple[str, ...]:
        """The fit's notes, then the portfolios'."""
        return self.results.notes + (self.adjusted.notes if self.adjusted is not None else ())

    def tables(self) -> dict[str, pd.DataFrame]:
        """The cross-section tables, then the portfolio tables."""
        return {**self.results.tables(), **(self.adjusted.tables() if self.adjusted is not None else {})}


def cross_section_report_job(
    panel: pd.DataFrame | PartitionedPanel,
    portfolios: pd.DataFrame | None,
    *,
    nw_lags: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    **options: Any,
) -> Job[CrossSectionReport]:
    """Fit :class:`CrossSectionModel` (``options`` are its keywords) on ``engine`` (``local``, or
    ``dask`` at the ``scheduler`` address, a local cluster without one), then adjust the portfolios."""
    model = CrossSectionModel(panel, **options)
    engine_options = {"scheduler": scheduler} if engine == "dask" and scheduler else {}
    results = yield from model.fit_job(nw_lags=nw_lags, engine=engine, **engine_options)
    adjusted = results.characteristic_adjusted(portfolios) if portfolios is not None else None
    return CrossSectionReport(results, adjusted)
