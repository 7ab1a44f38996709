"""Everything the characteristic-adjusted returns tab shows, as one result.

The per-date cross-sections and their Fama-MacBeth premia, and, when portfolios are given,
their raw, characteristic-implied and adjusted returns over the same dates
(:func:`~analytics.crosssection.request.run_cross_section` makes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.crosssection.results import CharAdjResults, CrossSectionResults

__all__ = ["CrossSectionReport"]


@dataclass(frozen=True)
class CrossSectionReport:
    """Cross-sectional results, and the portfolios' adjusted returns (None without portfolios)."""

    results: CrossSectionResults
    adjusted: CharAdjResults | None
    #: The request that made the report.
    request: Any = None
    #: What reading the inputs assumed.
    input_notes: tuple[str, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """The fit's notes, then the portfolios'."""
        return self.results.notes + (self.adjusted.notes if self.adjusted is not None else ())

    @property
    def all_notes(self) -> tuple[str, ...]:
        """Every note once: the inputs', the fit's, then the portfolios'."""
        return tuple(dict.fromkeys((*self.input_notes, *self.notes)))

    @property
    def settings(self) -> dict[str, Any]:
        """What the run used where the request left it to the data, for the run record."""
        r = self.results
        return {"characteristics": list(r.regressors), "newey_west_lags": r.nw_lags, "engine": r.engine}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The cross-section tables, then the portfolio tables."""
        return {**self.results.tables(), **(self.adjusted.tables() if self.adjusted is not None else {})}
