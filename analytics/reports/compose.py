"""The tearsheet of results that carry their requests: what both front ends hand to the renderer.

Why here: the run block names the data files and says SIMULATED when any input is demo data,
and the holdings part belongs to the fund whose returns the exposures used. All of that is in
the results' requests (:class:`~analytics.regression.request.RegressionRequest`,
:class:`~analytics.exposures.request.ExposuresRequest`), so ``report`` and File › Export
report… read it the same way instead of each assembling it from its own inputs.
"""

from __future__ import annotations

from typing import Any

from analytics.about import APP_VERSION
from analytics.data.dataset import Dataset
from analytics.exposures.results import ExposureResults
from analytics.jobs import Job, Progress
from analytics.regression.report import FundReport
from analytics.reports.drift import StyleDrift
from analytics.reports.tearsheet import Tearsheet, build_tearsheet, run_block

__all__ = ["holdings_owner", "report_datasets", "tearsheet_job", "tearsheet_of"]


def report_datasets(report: FundReport, exposures: ExposureResults | None = None) -> list[Dataset]:
    """The data sets the results were made from (each once, by name): the fund returns and
    factors, then the holdings, stock returns and the rest of the exposures' inputs."""
    data: list[Dataset | None] = []
    if report.request is not None:
        data += [report.request.returns, *report.request.factors]
    if exposures is not None and exposures.request is not None:
        asked = exposures.request
        data += [asked.holdings, asked.returns, *asked.factors, asked.benchmark, asked.fund_returns]
    return list({d.name: d for d in data if d is not None}.values())


def holdings_owner(exposures: ExposureResults) -> str | None:
    """Whose holdings these are: the fund whose own returns the top-down regressions used (its
    section of the report gets the holdings part), else the holdings data set's name."""
    asked = exposures.request
    if asked is None:
        return None
    series = asked.fund_series()
    return str(series.name) if series is not None else asked.holdings.name


def tearsheet_of(
    report: FundReport,
    *,
    exposures: ExposureResults | None = None,
    drift: StyleDrift | None = None,
    rank_by: str = "alpha_t",
    holdings_fund: str | None = None,
    title: str | None = None,
    simulated: bool = False,
) -> Tearsheet:
    """The report of ``report`` (and of ``exposures`` with their ``drift``), its run block read
    from the requests: data files, this version, SIMULATED when any input is (or ``simulated``)."""
    datasets = report_datasets(report, exposures)
    run = run_block(
        report.results,
        data_files=[d.name for d in datasets],
        version=APP_VERSION,
        simulated=simulated or any(d.simulated for d in datasets),
    )
    owner = holdings_fund or (holdings_owner(exposures) if exposures is not None else None)
    return build_tearsheet(
        report, run=run, rank_by=rank_by, exposures=exposures, drift=drift, holdings_fund=owner, title=title
    )


def tearsheet_job(report: FundReport, **options: Any) -> Job[Tearsheet]:
    """:func:`tearsheet_of` as a job (the profiles and tables of many funds take a moment)."""
    yield Progress(0.0, "writing the profiles and tables")
    sheet = tearsheet_of(report, **options)
    yield Progress(1.0, "done")
    return sheet
