"""A real characteristics panel built from the course's CRSP extract, as the chapter builds one.

Characteristics, all lagged one month so that nothing is known before the return it explains:
size = log market cap (|prc| × shrout), price = log |prc|, short-term reversal = last month's
return, momentum = the sum of the returns from month t-12 to t-2 that are available (the
extract starts in 2019-01, so early months use fewer). The return is excess: ret - RF, with
RF from the Fama-French monthly file (percent, converted). ``mcap`` (lagged) is the WLS weight.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.data.partitioned import PartitionedPanel, write_partitioned


def build_crsp_panel(shared_data: Path) -> pd.DataFrame:
    crsp = pd.read_csv(shared_data / "crsp_monthly_2019_2020.csv")
    crsp["date"] = pd.to_datetime(crsp["date"]) + pd.offsets.MonthEnd(0)
    crsp = crsp.sort_values(["permno", "date"]).reset_index(drop=True)
    ff = pd.read_csv(shared_data / "ff3_monthly_1926_2021_percent.csv")
    rf = pd.Series(
        ff["RF"].to_numpy() / 100, index=pd.to_datetime(ff["Date"], format="%m/%d/%Y") + pd.offsets.MonthEnd(0)
    )
    cap = crsp["prc"].abs() * crsp["shrout"]
    by = crsp.groupby("permno")
    lagged = pd.DataFrame(
        {
            "size": np.log(cap).groupby(crsp["permno"]).shift(1),
            "price": np.log(crsp["prc"].abs()).groupby(crsp["permno"]).shift(1),
            "strev": by["ret"].shift(1),
            "mom": by["ret"].shift(2).groupby(crsp["permno"]).rolling(11, min_periods=1).sum().droplevel(0),
            "mcap": cap.groupby(crsp["permno"]).shift(1),
        }
    )
    panel = pd.DataFrame(
        {"date": crsp["date"], "id": crsp["permno"].astype(str), "re": crsp["ret"] - crsp["date"].map(rf)}
    )
    return pd.concat([panel, lagged], axis=1).sort_values(["date", "id"]).reset_index(drop=True)


@pytest.fixture(scope="session")
def crsp_panel(shared_data: Path) -> pd.DataFrame:
    """The canonical panel (date, id, re, size, price, strev, mom, mcap)."""
    return build_crsp_panel(shared_data)


@pytest.fixture
def crsp_panel_csv(crsp_panel: pd.DataFrame, tmp_path: Path) -> Path:
    """The panel as a user's CSV file, with CRSP's column name for the id."""
    path = tmp_path / "crsp_panel.csv"
    crsp_panel.rename(columns={"id": "permno"}).to_csv(path, index=False, date_format="%Y-%m-%d")
    return path


@pytest.fixture(scope="session")
def crsp_dataset(crsp_panel: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> PartitionedPanel:
    """The same panel as a date-partitioned dataset on disk (one folder per month)."""
    return write_partitioned(crsp_panel, tmp_path_factory.mktemp("crsp") / "panel")


@pytest.fixture(params=["frame", "dataset"])
def crsp_source(request: pytest.FixtureRequest, crsp_panel: pd.DataFrame) -> tuple[object, dict]:
    """The panel to fit and the fit's engine options: in memory, or streamed from the dataset in
    blocks of 5 months on 2 threads (so a fit spans several blocks read concurrently)."""
    if request.param == "frame":
        return crsp_panel, {}
    return request.getfixturevalue("crsp_dataset"), {"block_dates": 5, "threads": 2}
