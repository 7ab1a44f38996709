"""``regress --rank alpha_t|ir``: the peer table as the main output, against statsmodels.

Each fund is regressed again here with statsmodels on the CSV files as a reader independent of
FactorDesk reads them (pandas, the date column, RF subtracted): alpha's t, and the information
ratio as peers.py defines it, annualized alpha over annualized residual standard deviation (ddof 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.data.demo import DEMO_FILES, make_demo, write_demo
from tests.reports.helpers import FF6
from tests.test_cli_regress import regress

#: The peer table's statistics that statsmodels gives directly.
PEER_COLUMNS = ["alpha", "t_alpha", "ir", *FF6, "r2"]


def statsmodels_peers(funds: pd.DataFrame, factors: pd.DataFrame, periods: int) -> pd.DataFrame:
    """Per fund: annualized alpha, its t and 95% interval, IR = alpha·P / (σ_ε·√P), the loadings and R²."""
    rows = {}
    for fund in funds.columns:
        y = (funds[fund] - factors["RF"]).dropna()
        fit = sm.OLS(y, sm.add_constant(factors.loc[y.index, FF6])).fit()
        alpha = fit.params["const"] * periods
        lower, upper = fit.conf_int(0.05).loc["const"] * periods
        rows[fund] = {
            "alpha": alpha,
            "t_alpha": fit.tvalues["const"],
            "alpha_lower": lower,
            "alpha_upper": upper,
            "ir": alpha / (fit.resid.std(ddof=1) * np.sqrt(periods)),
            **fit.params[FF6].to_dict(),
            "r2": fit.rsquared,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, make_demo())
    return folder / DEMO_FILES["funds"], folder / DEMO_FILES["factors"]


@pytest.fixture(scope="module")
def demo_reference(demo_files) -> pd.DataFrame:
    funds, factors = (pd.read_csv(path, parse_dates=["date"], index_col="date") for path in demo_files)
    return statsmodels_peers(funds, factors, 252)


@pytest.mark.parametrize(("rank", "key"), [("alpha_t", "t_alpha"), ("ir", "ir")])
def test_rank_writes_the_peer_table_ranked_as_statsmodels(demo_files, demo_reference, tmp_path, rank, key) -> None:
    """The .csv is the peer table: funds best first by statsmodels' alpha t or IR, ranks 1..n, and
    every statistic equal to statsmodels; the run record says which ranking."""
    funds, factors = demo_files
    out = tmp_path / "peers.csv"
    done = regress(funds, "--factors", factors, "--model", "ff6", "--rank", rank, "--out", out)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert list(table["fund"]) == list(demo_reference[key].sort_values(ascending=False).index)
    assert list(table["rank"]) == list(range(1, len(demo_reference) + 1))
    mine = table.set_index("fund").loc[demo_reference.index]
    for column in PEER_COLUMNS:
        np.testing.assert_allclose(mine[column], demo_reference[column], rtol=1e-8, err_msg=column)
    record = json.loads((tmp_path / "peers.run.json").read_text())
    assert record["options"]["rank"] == rank and record["simulated"]


def test_rank_prints_the_peer_table_and_leads_the_workbook(demo_files, tmp_path) -> None:
    """Printed: the ranked table's header and the funds in rank order; .xlsx: ``peers`` is the
    first sheet, the usual tables follow."""
    funds, factors = demo_files
    done = regress(funds, "--factors", factors, "--model", "ff6", "--rank", "ir")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:5] == ["rank", "fund", "alpha", "t_alpha", "ir"]
    assert lines[1].split()[:3] == ["1", "Index", "Tracker"]
    out = tmp_path / "all.xlsx"
    assert regress(funds, "--factors", factors, "--model", "ff6", "--rank", "ir", "--out", out).returncode == 0
    with pd.ExcelFile(out) as workbook:
        sheets = workbook.sheet_names
    assert sheets[0] == "peers" and "summary" in sheets and sheets[-1] == "run"


def test_without_rank_the_output_is_the_summary(demo_files) -> None:
    """No --rank: the printed table is regress's summary, one row per fund in file order."""
    funds, factors = demo_files
    done = regress(funds, "--factors", factors, "--model", "ff6")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["fund", "alpha", "t_alpha"] and "rank" not in lines[0]
    assert len(lines) == 1 + len(make_demo().funds.columns)


def test_chapter_funds_rank_differently_by_t_and_ir(shared_data, tmp_path) -> None:
    """BRK's 23 years rank it first by alpha t; ARKK's higher alpha per unit of ivol ranks it
    first by IR; both as statsmodels computes them on the chapter's monthly file."""
    returns = shared_data / "brk_arkk_ff6_monthly.csv"
    frame = pd.read_csv(returns, parse_dates=["date"], index_col="date")
    frame = frame.rename(columns=lambda c: "MOM" if c.strip() == "Mom" else c.strip())
    reference = statsmodels_peers(frame[["BRK", "ARKK"]], frame[[*FF6, "RF"]], 12)
    for rank, first in (("alpha_t", "BRK"), ("ir", "ARKK")):
        out = tmp_path / f"{rank}.csv"
        done = regress(returns, "--model", "ff6", "--rank", rank, "--out", out)
        assert done.returncode == 0, done.stderr
        table = pd.read_csv(out).set_index("fund")
        assert table.index[0] == first
        for column in ("alpha", "t_alpha", "ir", "r2"):
            np.testing.assert_allclose(table.loc[reference.index, column], reference[column], rtol=1e-8)
