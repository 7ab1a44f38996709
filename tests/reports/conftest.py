"""Fixtures for the reports: the demo workspace's funds and rotation fund, and the chapter's BRK/ARKK."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import jobs
from analytics.data.demo import make_demo
from analytics.data.readers import load_returns
from analytics.exposures.model import exposures_job
from analytics.regression.report import fund_report_job


@pytest.fixture(scope="session")
def demo():
    return make_demo()


@pytest.fixture(scope="session")
def demo_report(demo):
    """The five demo funds (daily, FF6), with rolling loadings and a split at the rotation date."""
    return jobs.run(fund_report_job(demo.funds, demo.factors, freq="daily", model="ff6", splits=["2017-12-29"]))


@pytest.fixture(scope="session")
def demo_exposures(demo):
    """The demo's rotation fund: full-sample stock betas, holdings-implied fund return."""
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    return jobs.run(exposures_job(holdings, demo.stocks, demo.factors, freq="daily", model="ff6"))


@pytest.fixture(scope="session")
def chapter(shared_data):
    """BRK and ARKK, monthly, FF6 (the chapter's 13.6-13.7 data)."""
    data = load_returns(shared_data / "brk_arkk_ff6_monthly.csv")
    report = jobs.run(fund_report_job(data.assets, data.factors, freq=data.freq, model="ff6"))
    return data, report
