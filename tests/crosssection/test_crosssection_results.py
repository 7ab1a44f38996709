"""Fama-MacBeth premia, pure-play portfolios and characteristic-adjusted returns on CRSP data,
from the panel in memory and from the dataset on disk (re-reading a date, or the held ids)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels import FamaMacBeth

from analytics.crosssection import CrossSectionModel
from analytics.errors import InputError

CHARS = ["size", "price", "strev", "mom"]  # built by conftest.build_crsp_panel
# The chapter's two portfolios (tech and retail) by CRSP permno, plus one id not in the data.
PORTFOLIOS = pd.DataFrame(
    {
        "portfolio": ["tech"] * 5 + ["retail"] * 5,
        "id": ["14593", "90319", "10107", "86580", "84788", "87055", "55976", "49154", "16678", "99999999"],
        "weight": [0.2] * 5 + [0.225] * 4 + [0.1],
    }
)


@pytest.fixture
def results(crsp_source):
    panel, options = crsp_source
    return CrossSectionModel(panel, chars=CHARS).fit(nw_lags=3, **options)


def test_fama_macbeth_formula(results):
    """Premium = mean of the per-date coefficients; std_err = their std (ddof=1) / sqrt(T); NW by Bartlett."""
    b = results.params
    fm = results.fama_macbeth.set_index("characteristic")
    t_count = len(b)
    np.testing.assert_allclose(fm["premium"], b.mean(), rtol=1e-12)
    np.testing.assert_allclose(fm["std_err"], b.std(ddof=1) / np.sqrt(t_count), rtol=1e-12)
    np.testing.assert_allclose(fm["t"], fm["premium"] / fm["std_err"], rtol=1e-12)
    e = (b - b.mean()).to_numpy()
    s = (e**2).sum(0) + sum(2 * (1 - lag / 4) * (e[lag:] * e[:-lag]).sum(0) for lag in (1, 2, 3))
    np.testing.assert_allclose(fm["t_nw"], fm["premium"] / np.sqrt(s / t_count / (t_count - 1)), rtol=1e-12)


def test_fama_macbeth_equals_linearmodels(crsp_panel, results):
    """On the same z-scores, linearmodels' FamaMacBeth gives the same premia, t and Newey-West t."""
    used = crsp_panel.dropna(subset=["re", *CHARS])
    groups = used.groupby("date")[CHARS]
    z = (used[CHARS] - groups.transform("mean")) / groups.transform("std")
    data = pd.concat([used[["id", "date", "re"]], z], axis=1).set_index(["id", "date"])
    plain = FamaMacBeth(data["re"], data[CHARS]).fit()
    kernel = FamaMacBeth(data["re"], data[CHARS]).fit(cov_type="kernel", kernel="bartlett", bandwidth=3)
    fm = results.fama_macbeth
    np.testing.assert_allclose(fm["premium"], plain.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fm["std_err"], plain.std_errors.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fm["t"], plain.tstats.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fm["t_nw"], kernel.tstats.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(results.params.to_numpy(), plain.all_params.to_numpy(), rtol=1e-8)


@pytest.mark.parametrize("options", [{}, {"weight_col": "mcap"}, {"constant": True, "top_pct": 30}])
def test_pure_play_portfolios_have_unit_exposure(crsp_panel, crsp_source, options):
    """Each pure-play portfolio has exposure 1 to its characteristic and 0 to the others, and
    its return is that date's coefficient."""
    panel, engine_options = crsp_source
    res = CrossSectionModel(panel, chars=CHARS, **options).fit(**engine_options)
    weights = res.pure_play_weights("2020-03")
    np.testing.assert_allclose(res.pure_play_exposures("2020-03").to_numpy(), np.eye(len(res.regressors)), atol=1e-10)
    month = crsp_panel.loc[crsp_panel["date"] == "2020-03-31"].set_index("id")
    returns = weights.T @ month.loc[weights.index, "re"]
    np.testing.assert_allclose(returns.to_numpy(), res.params.loc["2020-03-31"].to_numpy(), rtol=1e-8)
    assert len(weights) == res.nobs["2020-03-31"]


def test_unknown_date_is_an_input_error(results):
    """Asking for a cross-section that was not estimated names the available range."""
    with pytest.raises(InputError, match="2019-03-31 to 2020-12-31"):
        results.pure_play_weights("2019-01")


def test_characteristic_adjusted_returns_by_hand(crsp_panel, results):
    """raw = Σ w r, implied = (Σ w z)·b over covered holdings, adjusted = raw - implied, coverage =
    covered weight share; the holding missing from the data is left out without rescaling."""
    adj = results.characteristic_adjusted(PORTFOLIOS)
    table = adj.returns
    assert list(table.columns) == ["date", "portfolio", "raw", "implied", "adjusted", "coverage"]
    assert len(table) == 2 * len(results.dates)
    month = crsp_panel.loc[crsp_panel["date"] == "2020-06-30"].dropna(subset=["re", *CHARS]).set_index("id")
    z = (month[CHARS] - month[CHARS].mean()) / month[CHARS].std()
    b = results.params.loc["2020-06-30"]
    retail = PORTFOLIOS.loc[PORTFOLIOS["portfolio"] == "retail"].set_index("id")["weight"]
    covered = retail[retail.index.isin(month.index)]
    row = table.loc[(table["date"] == "2020-06-30") & (table["portfolio"] == "retail")].iloc[0]
    assert row["raw"] == pytest.approx(float(covered @ month.loc[covered.index, "re"]), rel=1e-10)
    assert row["implied"] == pytest.approx(float(covered @ z.loc[covered.index] @ b), rel=1e-10)
    # Each holding's own return less what its characteristics imply, summed by weight.
    assert row["adjusted"] == pytest.approx(
        float(covered @ (month.loc[covered.index, "re"] - z.loc[covered.index] @ b))
    )
    assert row["coverage"] == pytest.approx(covered.sum() / retail.sum())
    assert row["coverage"] == pytest.approx(0.9)
    assert any("99999999" in note for note in adj.notes)


def test_cumulative_adjusted_by_hand(crsp_panel, results):
    """The cumulative adjusted return of a portfolio is the running sum, over dates, of each
    date's weighted (return less implied return) of its holdings in that cross-section."""
    cum = results.characteristic_adjusted(PORTFOLIOS).cumulative("tech")
    tech = PORTFOLIOS.loc[PORTFOLIOS["portfolio"] == "tech"].set_index("id")["weight"]
    by_hand = []
    for date in results.dates:
        month = crsp_panel.loc[crsp_panel["date"] == date].dropna(subset=["re", *CHARS]).set_index("id")
        z = (month[CHARS] - month[CHARS].mean()) / month[CHARS].std()
        held = tech[tech.index.isin(month.index)]
        b = results.params.loc[date].to_numpy()
        by_hand.append(float(held @ (month.loc[held.index, "re"] - z.loc[held.index] @ b)))
    np.testing.assert_allclose(cum["adjusted"].to_numpy(), np.cumsum(by_hand), rtol=1e-9, atol=1e-12)
    assert len(cum) == len(results.dates)
