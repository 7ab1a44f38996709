"""Peer table: funds side by side, ranked by alpha t-statistic or information ratio.

The chapter's momentum-ETF table (13.5.1) asks "which fund is better?" and answers that alpha
alone is not enough: its t-statistic, the idiosyncratic volatility, the sample length and the
loadings matter (a MOM loading is factor exposure you can buy cheaply, not skill). This table
puts them in one row per fund and ranks the funds one of two ways:

- ``alpha_t``: the t-statistic of alpha (the results' own standard errors): how sure we are that
  alpha is not zero. It grows with the square root of the sample length, so a fund with a long
  record ranks above an equally skilled newer one.
- ``ir``: the information ratio, here **IR = annualized alpha / annualized idiosyncratic
  volatility** = (α·P) / (σ_ε·√P), with α the per-period intercept, σ_ε the residuals' standard
  deviation (ddof = 1) and P the periods per year (the appraisal ratio of Treynor and Black).
  It is alpha per unit of the risk taken to earn it and does not grow with the sample, so it
  compares funds with unequal records fairly; t ≈ IR × √years for a fund's own sample.

Funds without a regression (too few observations) keep NaN statistics and rank last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.regression.results import FactorRegressionResults

__all__ = ["IR_DEFINITION", "RANKINGS", "information_ratio", "peer_table"]

#: Ranking key -> what it is called in tables and messages.
RANKINGS = {"alpha_t": "alpha t-statistic", "ir": "information ratio"}
IR_DEFINITION = (
    "IR = annualized alpha / annualized idiosyncratic volatility (residual standard deviation, "
    "ddof = 1, × √periods per year)."
)


def information_ratio(results: FactorRegressionResults) -> pd.Series[float]:
    """Annualized alpha over annualized idiosyncratic volatility, per fund."""
    return (results.alpha / results.ivol).rename("ir")


def peer_table(results: FactorRegressionResults, *, rank_by: str = "alpha_t") -> pd.DataFrame:
    """One row per fund, best first by ``rank_by`` (``alpha_t`` or ``ir``).

    Columns: ``rank, fund, alpha, t_alpha, ir, ivol, <factor loadings>, r2, years, start, end``;
    alpha and ivol annualized decimals.
    """
    if rank_by not in RANKINGS:
        raise ValueError(f"unknown ranking {rank_by!r}; use one of {', '.join(RANKINGS)}")
    table = pd.DataFrame(
        {
            "fund": results.funds,
            "alpha": results.alpha.to_numpy(),
            "t_alpha": results.tvalues["const"].to_numpy(),
            "ir": information_ratio(results).to_numpy(),
            "ivol": results.ivol.to_numpy(),
            **{f: results.params[f].to_numpy() for f in results.factors},
            "r2": results.rsquared.to_numpy(),
            "years": results.years.to_numpy(),
            "start": results.span["start"].dt.date.to_numpy(),
            "end": results.span["end"].dt.date.to_numpy(),
        }
    )
    key = {"alpha_t": "t_alpha", "ir": "ir"}[rank_by]
    table = table.sort_values(key, ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    ranked = np.isfinite(table[key].to_numpy(dtype=float))
    table.insert(0, "rank", pd.array(np.where(ranked, np.arange(1, len(table) + 1), 0), dtype="Int64"))  # type: ignore[arg-type]  # pandas-stubs: pd.array takes an ndarray, insert an ExtensionArray
    table.loc[~ranked, "rank"] = pd.NA
    return table
