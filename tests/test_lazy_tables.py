"""Result tables are built when asked for (issue 15): a CSV summary never builds the risk
decomposition or the abnormal-return paths of thousands of funds; an Excel export builds all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.regression import FactorModel
from analytics.tables_lazy import LazyTables
from cli.common import emit

FACTORS = ["Mkt-RF", "SMB", "HML"]


def test_a_table_is_built_on_first_read_and_once() -> None:
    """Iterating names builds nothing; reading a table builds it once; dict() builds them all."""
    calls: list[str] = []

    def builder(name: str):
        return lambda: calls.append(name) or pd.DataFrame({"x": [name]})

    tables = LazyTables({name: builder(name) for name in ("a", "b", "c")})
    assert list(tables) == ["a", "b", "c"] and len(tables) == 3 and calls == []
    assert tables["b"]["x"].iloc[0] == "b" and tables["b"] is tables["b"]
    assert calls == ["b"]
    assert set(dict(tables)) == {"a", "b", "c"} and sorted(calls) == ["a", "b", "c"]
    with pytest.raises(KeyError):
        tables["missing"]


@pytest.fixture
def results():
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2018-01-01", periods=300)
    factors = pd.DataFrame(rng.normal(0, 0.01, (300, 3)), index=dates, columns=FACTORS).assign(RF=0.0001)
    funds = pd.DataFrame(
        factors[FACTORS].to_numpy() @ rng.normal(0.5, 0.3, (3, 4)) + rng.normal(0, 0.01, (300, 4)),
        index=dates,
        columns=["A", "B", "C", "D"],
    )
    return FactorModel(funds, factors, freq="daily", model="ff3").fit()


EXPENSIVE = ("risk_decomposition", "cumulative_abnormal", "detail", "diagnostics", "resid")


def _built(results) -> set[str]:
    """The cached statistics computed so far (cached properties live in the instance dict)."""
    return {name for name in EXPENSIVE if name in vars(results)}


def test_csv_export_and_printing_build_the_summary_only(results, tmp_path, capsys) -> None:
    """regress --out x.csv and regress without --out read the summary and nothing else."""
    emit(results.tables(), "summary", str(tmp_path / "x.csv"))
    emit(results.tables(), "summary", None)
    assert _built(results) == set()
    written = pd.read_csv(tmp_path / "x.csv")
    np.testing.assert_allclose(written["alpha"], results.summary["alpha"], rtol=1e-12)
    assert "alpha" in capsys.readouterr().out


def test_excel_export_builds_every_table(results, tmp_path) -> None:
    """An .xlsx holds every table, so all are built; their sheets hold what the result says."""
    emit(results.tables(), "summary", str(tmp_path / "x.xlsx"))
    assert _built(results) == set(EXPENSIVE)
    sheets = pd.read_excel(tmp_path / "x.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "coefficients", "diagnostics", "risk", "abnormal_cumulative"]
    assert len(sheets["risk"]) == len(results.risk_decomposition)
