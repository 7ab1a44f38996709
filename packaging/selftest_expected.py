"""Compute the numbers the frozen self-test expects, with statsmodels, from the demo data.

The self-test (``main.py --selftest``, ``gui/selftest.py``) runs every tab of the real window
on the demo workspace with the tab's default inputs and compares a few numbers of each
result with ``gui/selftest_expected.json``. Those numbers must not come from the app itself,
or a wrong app would confirm itself: this script recomputes them independently, one
statsmodels regression at a time, from the same simulated data (``analytics.data.demo``, seed
418, the same on every machine). Run it after changing the demo data or a tab's defaults::

    .venv/bin/python packaging/selftest_expected.py --write

and commit the JSON; ``tests/test_selftest_expected.py`` runs it and checks the stored file.

The tabs' defaults, as the script reproduces them:

- Fund regression: every demo fund, its total return minus RF on the largest model the
  factors allow (FF6: Mkt-RF SMB HML RMW CMA MOM) with a constant, classic OLS over the fund's
  own dates; ``alpha`` is the daily constant × 252.
- Holdings exposures: each held stock's excess return on FF6 over the whole sample (OLS with
  a constant); a fund's exposure on a return date is Σ weight × beta over the holdings dated
  strictly before it (the last such date); cash has no beta.
- Characteristic-adjusted returns: every month, OLS without constant of ``re`` on the
  characteristics size, value, mom and strev, each z-scored over that month's stocks (sample
  standard deviation); Fama-MacBeth premia are the monthly coefficients' mean, ``t`` its
  classic t, ``t_nw`` its Newey-West t with floor(4 (T/100)^(2/9)) lags (statsmodels' HAC
  with the small-sample correction).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the demo generator (the input, not the computation)

from analytics.data.demo import FACTORS, make_demo

EXPECTED_FILE = ROOT / "gui" / "selftest_expected.json"
#: Fund -> the summary columns checked (alpha annualized, loadings, R², observations).
FUND_CHECKS = {
    "Index Tracker": ("alpha", "Mkt-RF", "r2"),
    "Value Quality Fund": ("alpha", "Mkt-RF", "HML"),
    "Innovation Growth Fund": ("alpha", "Mkt-RF", "CMA"),
    "Momentum ETF": ("alpha", "Mkt-RF", "MOM"),
    "Small Value Fund": ("alpha", "Mkt-RF", "SMB", "n_obs"),
}
#: The rotation fund turns from tech to retail at 2017-12-29: the days either side.
EXPOSURE_DATES = ("2017-12-28", "2018-01-02")
EXPOSURE_FACTORS = ("Mkt-RF", "HML", "CMA")
CHARACTERISTICS = ("size", "value", "mom", "strev")


def _expect(table: str, key: str, row: str, column: str, value: float) -> dict:
    return {"table": table, "key": key, "row": row, "column": column, "value": float(value)}


def _ols(y: pd.Series, x: pd.DataFrame, constant: bool = True) -> sm.regression.linear_model.RegressionResults:
    """statsmodels OLS of ``y`` on ``x`` over the dates where both are present."""
    data = pd.concat([y.rename("y"), x], axis=1).dropna()
    regressors = sm.add_constant(data[x.columns]) if constant else data[x.columns]
    return sm.OLS(data["y"], regressors).fit()


def fund_regression(demo) -> list[dict]:
    """Per-fund FF6 regressions of excess returns (the regression tab's summary table)."""
    factors = demo.factors[list(FACTORS)]
    out = []
    for fund, columns in FUND_CHECKS.items():
        fit = _ols(demo.funds[fund] - demo.factors["RF"], factors)
        values = {"alpha": fit.params["const"] * 252, "r2": fit.rsquared, "n_obs": fit.nobs, **fit.params}
        out += [_expect("summary", "fund", fund, column, values[column]) for column in columns]
    return out


def holdings_exposures(demo) -> list[dict]:
    """Holdings-weighted full-sample stock betas on two dates (the exposures tab's table)."""
    factors = demo.factors[list(FACTORS)]
    holdings = demo.holdings.assign(date=pd.to_datetime(demo.holdings["date"]))
    held_dates = np.sort(holdings["date"].unique())
    out = []
    for day in EXPOSURE_DATES:
        in_force = held_dates[held_dates < np.datetime64(day)][-1]
        positions = holdings[holdings["date"] == in_force]
        betas = pd.DataFrame(
            {stock: _ols(demo.stocks[stock] - demo.factors["RF"], factors).params for stock in positions["id"]}
        ).T
        exposure = (betas[list(EXPOSURE_FACTORS)].mul(positions.set_index("id")["weight"], axis=0)).sum()
        out += [_expect("exposures", "date", day, f, exposure[f]) for f in EXPOSURE_FACTORS]
    return out


def characteristic_premia(demo) -> list[dict]:
    """Fama-MacBeth premia of z-scored characteristics (the characteristic-adjusted tab's table)."""
    chars = list(CHARACTERISTICS)
    coefficients = []
    for _, month in demo.panel.groupby("date"):
        month = month.dropna(subset=["re", *chars])
        z = (month[chars] - month[chars].mean()) / month[chars].std(ddof=1)
        coefficients.append(_ols(month["re"], z, constant=False).params)
    premia = pd.DataFrame(coefficients).reset_index(drop=True)
    lags = math.floor(4 * (len(premia) / 100) ** (2 / 9))
    ones = np.ones((len(premia), 1))
    out = []
    for char in chars:
        classic = sm.OLS(premia[char].to_numpy(), ones).fit()
        hac = sm.OLS(premia[char].to_numpy(), ones).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}
        )
        values = {"premium": classic.params[0], "t": classic.tvalues[0], "t_nw": hac.tvalues[0]}
        out += [_expect("fama_macbeth", "characteristic", char, column, values[column]) for column in values]
    return out


def compute() -> dict[str, list[dict]]:
    """Tab title -> the numbers its demo run must reproduce."""
    demo = make_demo()
    return {
        "Fund regression": fund_regression(demo),
        "Holdings exposures": holdings_exposures(demo),
        "Characteristic-adjusted returns": characteristic_premia(demo),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {EXPECTED_FILE.relative_to(ROOT)} (else print)")
    args = parser.parse_args(argv)
    text = json.dumps(compute(), indent=1) + "\n"
    if args.write:
        EXPECTED_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {EXPECTED_FILE.relative_to(ROOT)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
