"""Tooltips of the tabs' form fields, by the field's label, in a portfolio manager's words.

The tabs own their labels; the base tab gives every field whose label is listed here this
sentence as its tooltip (a tab may set its own instead). One table keeps the wording
consistent across tabs; a test checks that every field of every tab has a tooltip.
"""

from __future__ import annotations

__all__ = ["FIELD_TIPS", "field_tip"]

FIELD_TIPS = {
    # fund regression
    "Returns": "The fund returns to explain: a loaded returns file (one column per fund, or date, id, return).",
    "Factors": "Where the factor returns come from: tick one or more loaded factor data sets (e.g. the Ken French "
    "factors and AQR's BAB), joined on date; none ticked: the factor columns of the returns file.",
    "Model": "CAPM (market only), Fama-French 3 (+ size, value), Carhart (3 + momentum), 5 (+ profitability, "
    "investment), 5 + momentum, q5 (Hou-Xue-Zhang), or Custom…: tick any factor columns; 'largest available' "
    "uses every factor the data hold.",
    "Funds": "Which funds to regress. Search by id, ticker or name; All / None / Invert act on the names shown.",
    "returns are already excess of RF": "Tick when the file holds returns over the risk-free rate already; "
    "otherwise RF is subtracted.",
    "Std. errors": "Classic OLS standard errors; robust (HC0) errors, valid when the residuals' variance changes; "
    "or Newey-West errors, robust to autocorrelation too (give the lags).",
    "Newey-West lags": "How many periods of residual autocorrelation Newey-West errors allow for.",
    "Annualize": "Periods per year used to annualize alpha and volatility: by the data's frequency (12 monthly, "
    "252 daily), or another number to reproduce a source that used one.",
    "Start": "First date used (YYYY-MM-DD); empty: the first date of the data.",
    "End": "Last date used (YYYY-MM-DD); empty: the last date of the data.",
    "Rolling window": "Length of the rolling regressions in periods (months or days of the data).",
    "Split at": "Dates at which to split the sample (e.g. when the manager or mandate changed); loadings are "
    "re-estimated in each window.",
    # holdings exposures
    "Holdings": "The fund's holdings: date, id, weight. Holdings dated D apply to the returns after D.",
    "Benchmark": "Optional benchmark holdings: its exposures are drawn beside the fund's, and the difference "
    "is the active exposure.",
    "Stock returns": "Returns of the held stocks (the ids must match the holdings' ids).",
    "Fund returns": "The fund's own returns for the top-down regressions; by default the return the holdings imply.",
    "Fund column": "Which column of the fund returns is this fund.",
    "Stock betas": "How each stock's betas are estimated: over the full sample, over a rolling window ending "
    "the period before, or within each holdings window.",
    "Min. returns": "Fewest returns a stock needs for its betas; stocks with fewer count as uncovered.",
    "Drift threshold": "A style shift is a bottom-up exposure moving by more than this between the last return "
    "date of one holdings and the first of the next (in loading units: 0.25 is a quarter of a market beta). "
    "Shifts are listed under 'Style drift' and marked on the plots; changing it needs no new run.",
    # characteristic-adjusted returns
    "Stock panel": "The stock panel: date, id, return and characteristics (one row per stock and date).",
    "Portfolios": "Optional portfolios (portfolio, id, weight) whose returns are split into the part their "
    "characteristics imply and the rest.",
    "Return": "The panel's column holding each stock's (excess) return over the period.",
    "Characteristics": "The characteristics to regress returns on, z-scored across stocks at each date. They "
    "must be known before the return's period: build lagged ones with 'Build characteristics'.",
    "Weighting": "OLS weighs every stock alike (small stocks dominate by number); WLS weighs by market cap.",
    "Market cap": "The market-cap column, for WLS weights, the top-cap filter and the built size characteristic.",
    "Only the top": "Keep only the largest stocks by market cap at each date (the chapter's fix for OLS "
    "loading on small stocks).",
    "Winsorize at": "Clip each characteristic's extreme values at these percentiles before z-scoring.",
    "add a constant": "The chapter's regression has no constant; with one, R² is centered.",
    "Newey-West": "Lags of the Newey-West t-statistics of the Fama-MacBeth premia.",
}


def field_tip(label: str) -> str:
    """The tooltip for the field labelled ``label`` ('' when none is written)."""
    return FIELD_TIPS.get(label.rstrip(":").strip(), "")
