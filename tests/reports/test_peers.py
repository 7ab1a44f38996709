"""The peer table (the chapter's momentum-ETF table) ranked both ways, against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.reports.peers import peer_table
from tests.reports.helpers import FF6


@pytest.fixture(scope="module")
def reference(demo) -> pd.DataFrame:
    """Per demo fund, by statsmodels: annualized alpha, its t, ivol, IR = alpha / ivol, MOM, R²."""
    rows = {}
    for fund in demo.funds.columns:
        y = (demo.funds[fund] - demo.factors["RF"]).dropna()
        fit = sm.OLS(y, sm.add_constant(demo.factors.loc[y.index, FF6])).fit()
        alpha, ivol = fit.params["const"] * 252, fit.resid.std(ddof=1) * np.sqrt(252)
        rows[fund] = {
            "alpha": alpha,
            "t_alpha": fit.tvalues["const"],
            "ivol": ivol,
            "ir": alpha / ivol,
            "MOM": fit.params["MOM"],
            "r2": fit.rsquared,
            "years": len(y) / 252,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.mark.parametrize(("rank_by", "key"), [("alpha_t", "t_alpha"), ("ir", "ir")])
def test_peer_table_ranked_both_ways(demo_report, reference, rank_by, key) -> None:
    """Funds come best first by the chosen statistic, ranks 1..n, and every column equals statsmodels."""
    table = peer_table(demo_report.results, rank_by=rank_by)
    assert list(table["fund"]) == list(reference[key].sort_values(ascending=False).index)
    assert list(table["rank"]) == list(range(1, len(reference) + 1))
    mine = table.set_index("fund").loc[reference.index]
    for column in ["alpha", "t_alpha", "ivol", "ir", "MOM", "r2", "years"]:
        np.testing.assert_allclose(mine[column].astype(float), reference[column], rtol=1e-8, err_msg=column)


def test_rankings_differ_when_records_differ(chapter) -> None:
    """The chapter's fairness question: BRK (23 years) ranks first by alpha t, ARKK (5 years) by
    IR, as statsmodels' t and alpha / ivol say; that is why the report prints both ranks."""
    data, report = chapter
    ir = {}
    for fund in ("BRK", "ARKK"):
        y = (data.assets[fund] - data.factors["RF"]).dropna()
        fit = sm.OLS(y, sm.add_constant(data.factors.loc[y.index, FF6])).fit()
        ir[fund] = fit.params["const"] * 12 / (fit.resid.std(ddof=1) * np.sqrt(12))
    assert list(peer_table(report.results, rank_by="alpha_t")["fund"]) == ["BRK", "ARKK"]
    by_ir = peer_table(report.results, rank_by="ir").set_index("fund")
    assert list(by_ir.index) == ["ARKK", "BRK"] and ir["ARKK"] > ir["BRK"]
    np.testing.assert_allclose(by_ir.loc[["ARKK", "BRK"], "ir"], [ir["ARKK"], ir["BRK"]], rtol=1e-8)


def test_momentum_etf_delivers_mom_loading_not_alpha(demo_report, reference) -> None:
    """The chapter's point: the momentum ETF's MOM loading is large and sure, its alpha is not."""
    row = peer_table(demo_report.results).set_index("fund").loc["Momentum ETF"]
    assert row["MOM"] == pytest.approx(reference.at["Momentum ETF", "MOM"], rel=1e-8)
    assert row["MOM"] > 0.3 and abs(row["t_alpha"]) < 1.96


def test_unknown_ranking_is_refused(demo_report) -> None:
    with pytest.raises(ValueError, match="alpha_t, ir"):
        peer_table(demo_report.results, rank_by="sharpe")
