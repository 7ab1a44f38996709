"""The tearsheet of results that carry their requests (what ``report`` and File › Export report… build)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analytics import jobs
from analytics.exposures.request import ExposuresRequest, run_exposures
from analytics.regression.request import RegressionRequest, run_regression
from analytics.reports import style_drift, tearsheet_job, tearsheet_of
from analytics.reports.tearsheet import Bullets, Figure
from analytics.workspace import demo_datasets


@pytest.fixture(scope="module")
def data(demo) -> dict:
    return {d.name: d for d in demo_datasets(demo)}


@pytest.fixture(scope="module")
def report(data):
    funds = next(d for name, d in data.items() if name.startswith("Demo funds"))
    return jobs.run(run_regression(RegressionRequest(funds, model="ff6", funds=("Index Tracker", "Momentum ETF"))))


def _exposures(data, **options):
    holdings = next(d for d in data.values() if d.kind == "holdings")
    stocks = next(d for name, d in data.items() if name.startswith("Demo stocks"))
    return jobs.run(run_exposures(ExposuresRequest(holdings, stocks, model="ff6", **options)))


def test_run_block_reads_the_requests(data, report) -> None:
    """Data files are the requests' data sets, each once; SIMULATED because the demo's are."""
    exposures = _exposures(data)
    sheet = tearsheet_of(report, exposures=exposures, drift=style_drift(exposures))
    names = [report.request.returns.name, exposures.request.holdings.name, exposures.request.returns.name]
    assert list(sheet.run.data_files) == names and sheet.run.simulated
    assert sheet.run.version and [s.title for s in sheet.sections][-1] == f"Holdings: {names[1]}"


def test_holdings_go_to_the_fund_whose_returns_they_used(data, report) -> None:
    """With the fund's own returns named, the holdings part sits in that fund's section."""
    exposures = _exposures(data, fund_returns=report.request.returns, fund_column="Momentum ETF")
    sheet = tearsheet_of(report, exposures=exposures, drift=style_drift(exposures))
    titles = [s.title for s in sheet.sections]
    assert titles == ["Overview", "Index Tracker", "Momentum ETF"]
    holdings = [b for b in sheet.sections[2].blocks if isinstance(b, Figure) and b.title.startswith("Bottom-up")]
    assert len(holdings) == 1 and not any(
        isinstance(b, Figure) and b.title.startswith("Bottom-up") for b in sheet.sections[1].blocks
    )


def test_results_without_requests_or_rolling_still_report(report) -> None:
    """A report made outside the requests has no data files to name; a regression asked without
    rolling loadings gets no rolling chart and no sentence about them; the job builds the same."""
    bare = tearsheet_of(replace(report, request=None), simulated=True)
    assert bare.run.data_files == () and bare.run.simulated
    assert report.window is None and [f.title for f in bare.figures if f.title.startswith("Rolling")] == []
    sheet = jobs.run(tearsheet_job(report, rank_by="ir"))
    assert [s.title for s in sheet.sections] == ["Overview", "Index Tracker", "Momentum ETF"]
    words = " ".join(t for s in sheet.sections[1:] for b in s.blocks if isinstance(b, Bullets) for t in b.items)
    assert "Alpha is" in words and "rolling" not in words.lower()
