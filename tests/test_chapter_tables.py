"""The chapter's regression tables (sections 13.6-13.7), reproduced from the course file."""

from __future__ import annotations

import pytest

from analytics.data.readers import load_returns
from analytics.regression import FactorModel


@pytest.fixture(scope="module")
def brk_arkk(shared_data):
    return load_returns(shared_data / "brk_arkk_ff6_monthly.csv")


def _fit(data, fund: str, model: str, **kwargs):
    return FactorModel(data.assets[[fund]], data.factors, freq=data.freq, model=model, **kwargs).fit()


def test_brk_capm(brk_arkk) -> None:
    """BRK CAPM: monthly const 0.0054, beta 0.5919 (t 8.906), R² 0.223, n 279."""
    res = _fit(brk_arkk, "BRK", "capm")
    assert res.params.loc["BRK", "const"] == pytest.approx(0.0054, abs=5e-5)
    assert res.params.loc["BRK", "Mkt-RF"] == pytest.approx(0.5919, abs=5e-5)
    assert res.tvalues.loc["BRK", "Mkt-RF"] == pytest.approx(8.906, abs=5e-4)
    assert res.rsquared["BRK"] == pytest.approx(0.223, abs=5e-4)
    assert res.nobs["BRK"] == 279
    assert res.alpha["BRK"] == pytest.approx(res.params.loc["BRK", "const"] * 12)  # ×12, not the chapter's ×252


def test_brk_ff6(brk_arkk) -> None:
    """BRK FF5 + momentum: the chapter's coefficients to 4 decimals and R² 0.405."""
    res = _fit(brk_arkk, "BRK", "ff6")
    expected = {
        "const": 0.0037,
        "Mkt-RF": 0.6938,
        "SMB": -0.3087,
        "HML": 0.5732,
        "RMW": 0.3486,
        "CMA": -0.4156,
        "MOM": -0.0152,
    }
    for name, value in expected.items():
        assert res.params.loc["BRK", name] == pytest.approx(value, abs=5e-5), name
    assert res.rsquared["BRK"] == pytest.approx(0.405, abs=5e-4)
    assert res.rsquared_adj["BRK"] == pytest.approx(0.392, abs=5e-4)
    assert res.fvalue["BRK"] == pytest.approx(30.81, abs=5e-3)


def test_arkk_ff6_with_the_chapters_252(brk_arkk) -> None:
    """ARKK FF6: Mkt-RF 1.5432, R² 0.838, n 59; ×252 on request gives the chapter's const 1.7109."""
    res = _fit(brk_arkk, "ARKK", "ff6", periods_per_year=252)
    assert res.params.loc["ARKK", "Mkt-RF"] == pytest.approx(1.5432, abs=5e-5)
    assert res.rsquared["ARKK"] == pytest.approx(0.838, abs=5e-4)
    assert res.nobs["ARKK"] == 59
    assert res.alpha["ARKK"] == pytest.approx(1.7109, abs=5e-5)
    assert res.tvalues.loc["ARKK", "const"] == pytest.approx(1.225, abs=5e-4)
    assert res.durbin_watson["ARKK"] == pytest.approx(1.753, abs=5e-4)
