"""Per-date regressions on the CRSP panel equal statsmodels, for every setup the model offers,
whether the panel is in memory or streamed from a date-partitioned dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics import jobs
from analytics.crosssection import CrossSectionModel
from analytics.errors import InputError

CHARS = ["size", "price", "strev", "mom"]  # built by conftest.build_crsp_panel


def _reference(
    panel: pd.DataFrame,
    *,
    weight: str | None = None,
    top_pct: float | None = None,
    winsorize: float | None = None,
    constant: bool = False,
) -> dict:
    """statsmodels per date on pandas z-scores (ddof=1) of the complete rows: the plain way."""
    needed = ["re", *CHARS] + ([weight] if weight else []) + (["mcap"] if top_pct else [])
    out = {}
    for date, section in panel.dropna(subset=needed).groupby("date"):
        if top_pct:
            keep = int(np.ceil(len(section) * top_pct / 100))
            section = section.nlargest(keep, "mcap", keep="all")
        x = section[CHARS]
        if winsorize:
            x = x.clip(x.quantile(winsorize), x.quantile(1 - winsorize), axis=1)
        z = (x - x.mean()) / x.std()
        if constant:
            z = sm.add_constant(z)
        if len(section) <= z.shape[1]:
            continue
        fit = (sm.WLS(section["re"], z, weights=section[weight]) if weight else sm.OLS(section["re"], z)).fit()
        out[date] = fit
    return out


def _assert_matches(res, reference: dict) -> None:
    assert list(res.dates) == list(reference)
    for date, fit in reference.items():
        np.testing.assert_allclose(res.params.loc[date].to_numpy(), fit.params.to_numpy(), rtol=1e-8, atol=1e-13)
        np.testing.assert_allclose(res.rsquared[date], fit.rsquared, rtol=1e-8)
        assert res.nobs[date] == fit.nobs


def test_ols_equals_statsmodels_per_date(crsp_panel, crsp_source):
    """The chapter's regression (no constant, uncentered R²) equals statsmodels OLS at every date."""
    panel, options = crsp_source
    res = CrossSectionModel(panel, chars=CHARS).fit(**options)
    reference = _reference(crsp_panel)
    assert len(reference) == 22  # 2019-01 and -02 have no lagged momentum
    _assert_matches(res, reference)


def test_wls_equals_statsmodels_per_date(crsp_panel, crsp_source):
    """WLS by (lagged) market cap equals statsmodels WLS with the same weights."""
    panel, options = crsp_source
    res = CrossSectionModel(panel, chars=CHARS, weight_col="mcap").fit(**options)
    _assert_matches(res, _reference(crsp_panel, weight="mcap"))


def test_top_percent_keeps_the_largest_stocks(crsp_panel, crsp_source):
    """--top-pct 20 regresses on the ceil(20% n) largest stocks by market cap only."""
    panel, options = crsp_source
    res = CrossSectionModel(panel, chars=CHARS, top_pct=20).fit(**options)
    reference = _reference(crsp_panel, top_pct=20)
    _assert_matches(res, reference)
    full = CrossSectionModel(crsp_panel, chars=CHARS).fit()
    assert (res.nobs < 0.21 * full.nobs).all()


def test_constant_gives_centered_r2(crsp_panel, crsp_source):
    """With a constant the R² is centered, as statsmodels reports it for a model with one."""
    panel, options = crsp_source
    res = CrossSectionModel(panel, chars=CHARS, constant=True).fit(**options)
    _assert_matches(res, _reference(crsp_panel, constant=True))
    assert res.regressors[0] == "const"


def test_winsorizing_clips_at_the_quantiles(crsp_panel, crsp_source):
    """Winsorizing at 1% clips each characteristic at pandas' 1% and 99% quantiles per date."""
    panel, options = crsp_source
    res = CrossSectionModel(panel, chars=CHARS, winsorize=0.01).fit(**options)
    _assert_matches(res, _reference(crsp_panel, winsorize=0.01))


def test_unsorted_panel_gives_the_same_fit(crsp_panel):
    """Row order does not matter: a shuffled panel gives the same coefficients."""
    shuffled = crsp_panel.sample(frac=1.0, random_state=0)
    a = CrossSectionModel(crsp_panel, chars=CHARS).fit().params
    b = CrossSectionModel(shuffled, chars=CHARS).fit().params
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-10)


def test_fit_job_reports_progress_in_order(crsp_panel):
    """The job yields increasing fractions ending at 1 and returns the results."""
    seen = []
    res = jobs.run(CrossSectionModel(crsp_panel, chars=CHARS).fit_job(), seen.append)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(res.dates) == 22


def test_skipped_dates_are_listed_not_fatal():
    """A date with a constant characteristic, or too few stocks, is skipped and named in a note."""
    rng = np.random.default_rng(1)
    dates = pd.date_range("2020-01-31", periods=4, freq="ME")
    rows = []
    for i, date in enumerate(dates):
        n = 2 if i == 3 else 50
        a = np.ones(n) if i == 1 else rng.normal(size=n)
        rows.append(
            pd.DataFrame(
                {
                    "date": date,
                    "id": [f"S{j}" for j in range(n)],
                    "re": rng.normal(size=n),
                    "a": a,
                    "b": rng.normal(size=n),
                }
            )
        )
    res = CrossSectionModel(pd.concat(rows, ignore_index=True), chars=["a", "b"]).fit()
    assert list(res.dates) == [dates[0], dates[2]]
    assert list(res.skipped["date"]) == [dates[1], dates[3]]
    assert "'a' is the same for every stock" in res.skipped["reason"].iloc[0]
    assert "2 stocks" in res.skipped["reason"].iloc[1]
    assert any("2 date(s) skipped" in note and "2020-02-29" in note for note in res.notes)


def test_default_characteristics_leave_out_return_and_cap(crsp_panel):
    """Without chars, every numeric column but the return and market cap is used, and a note says so."""
    model = CrossSectionModel(crsp_panel)
    assert model.setup.chars == ("size", "price", "strev", "mom")
    assert any("size, price, strev, mom" in note for note in model.notes)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"chars": ["size", "nope"]}, "no characteristic column 'nope'"),
        ({"ret_col": "ret"}, "no return column 'ret'"),
        ({"chars": CHARS, "top_pct": 150}, "top percent"),
        ({"chars": ["size"], "weight_col": "mcap", "winsorize": 0.7}, "winsorizing"),
    ],
)
def test_bad_options_name_the_problem(crsp_panel, options, message):
    """Unknown columns and out-of-range options raise an InputError that names them."""
    with pytest.raises(InputError, match=message):
        CrossSectionModel(crsp_panel, **options).fit()


def test_top_percent_needs_a_market_cap(crsp_panel):
    """Without a market-cap column (and no weight column) --top-pct asks for one."""
    with pytest.raises(InputError, match="market-cap column"):
        CrossSectionModel(crsp_panel.drop(columns="mcap"), chars=CHARS, top_pct=20)


def test_characteristics_whose_mean_dwarfs_their_spread():
    """Means 1e6 to 1e8 standard deviations from zero, jumping between dates, and a constant 0.1 on
    one date: the coefficients still equal statsmodels on pandas' two-pass z-scores, and the constant
    date is skipped."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2020-01-31", periods=6, freq="ME")
    parts = []
    for i, date in enumerate(dates):
        n = 300
        level = [1e6, -1e7, 1e8][i % 3]
        parts.append(
            pd.DataFrame(
                {
                    "date": date,
                    "id": [f"S{j}" for j in range(n)],
                    "re": rng.normal(0, 0.1, n),
                    "a": level + rng.normal(0, 1, n),
                    "b": rng.normal(5, 2, n) * (1 + i),
                    "c": np.full(n, 0.1) if i == 4 else rng.normal(-3e5, 0.5, n),
                }
            )
        )
    panel = pd.concat(parts, ignore_index=True)
    res = CrossSectionModel(panel, chars=["a", "b", "c"]).fit(block_dates=4)
    assert list(res.skipped["date"]) == [dates[4]] and "'c' is the same" in res.skipped["reason"].iloc[0]
    for date, section in panel.groupby("date"):
        if date == dates[4]:
            continue
        x = section[["a", "b", "c"]]
        fit = sm.OLS(section["re"], (x - x.mean()) / x.std()).fit()
        np.testing.assert_allclose(res.params.loc[date].to_numpy(), fit.params.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose(res.rsquared[date], fit.rsquared, rtol=1e-8)
