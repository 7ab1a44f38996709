"""The analyses FactorDesk offers, each a request type and the one function that runs it.

Both front ends look analyses up here: a tab names its analysis and builds its request, a
command builds the same request; :func:`Analysis.run` turns a request into a result that
keeps the request and its notes. Adding an analysis is writing its request and run function,
its tab (and, if wanted, its command) and one line in :data:`ANALYSES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analytics.crosssection.request import CrossSectionRequest, run_cross_section
from analytics.exposures.request import ExposuresRequest, run_exposures
from analytics.jobs import Job
from analytics.regression.request import RegressionRequest, run_regression

__all__ = ["ANALYSES", "Analysis"]


@dataclass(frozen=True)
class Analysis:
    """One analysis: its name (in run records), title (its tab's), request type, run function
    and the table a CSV export holds."""

    name: str
    title: str
    request: type
    run: Callable[[Any], Job[Any]]
    main_table: str


ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        Analysis("regression", "Fund regression", RegressionRequest, run_regression, "summary"),
        Analysis("exposures", "Holdings exposures", ExposuresRequest, run_exposures, "exposures"),
        Analysis(
            "crosssection", "Characteristic-adjusted returns", CrossSectionRequest, run_cross_section, "coefficients"
        ),
    )
}
