"""Read-only results of a set of fund regressions, and the tables they render as.

Statistics are cached properties returning named pandas objects (funds as the index), like
linearmodels' results. ``summary`` is the command line's table; ``tables()`` is everything a
user can export. Derived views (attribution, risk decomposition, abnormal-return paths)
follow the chapter's sections 13.6-13.8.

The estimates cover the funds that could be fitted; ``skipped`` maps each other fund to the
reason, and ``summary`` keeps every fund's row (empty estimates and the reason in its last
column, ``note``), so a batch of thousands of funds reads as one table whatever went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from analytics.regression.covariance import CovarianceEstimator
from analytics.regression.ols import ManyOLS
from analytics.tables_lazy import LazyTables

__all__ = ["FactorRegressionResults"]


def _stats() -> ModuleType:
    """:mod:`analytics.distributions`, imported on first use (scipy.special takes 0.1 s to import)."""
    from analytics import distributions

    return distributions


@dataclass(frozen=True)
class FactorRegressionResults:
    """Per-fund OLS estimates of excess returns on factors, with a constant."""

    model: str
    freq: str
    periods_per_year: int
    cov_description: str
    use_t: bool
    params: pd.DataFrame  # fitted funds × (const, factors)
    cov_params: np.ndarray  # fitted funds × k × k
    ssr: pd.Series[float]
    centered_tss: pd.Series[float]
    sample: pd.DataFrame  # every fund requested: n_obs, start, end, note (why it was not fitted, or '')
    x: pd.DataFrame
    y: pd.DataFrame  # excess returns of the fitted funds
    notes: tuple[str, ...] = ()

    @classmethod
    def from_arrays(
        cls,
        raw: ManyOLS,
        estimator: CovarianceEstimator,
        *,
        model: str,
        funds: list[str],
        x: pd.DataFrame,
        y: pd.DataFrame,
        freq: str,
        periods_per_year: int,
        notes: tuple[str, ...],
    ) -> FactorRegressionResults:
        """Wrap :func:`~analytics.regression.ols.fit_many`'s arrays with names.

        The estimates keep the fitted funds only; ``sample`` keeps every fund requested, with
        its observations, span and, for a fund that was not fitted, the reason.
        """
        index = pd.Index(funds, name="fund")
        fitted = raw.fitted
        kept = index[fitted]
        dates = pd.DatetimeIndex(y.index)
        sample = pd.DataFrame(
            {
                "n_obs": raw.nobs,
                "start": dates.take(np.maximum(raw.first, 0)).where(raw.first >= 0),
                "end": dates.take(np.maximum(raw.last, 0)).where(raw.last >= 0),
                "note": list(raw.reasons),
            },
            index=index,
        )
        return cls(
            model=model,
            freq=freq,
            periods_per_year=periods_per_year,
            cov_description=estimator.description,
            use_t=estimator.use_t,
            params=pd.DataFrame(raw.params[fitted], index=kept, columns=["const", *x.columns]),
            cov_params=raw.cov[fitted],
            ssr=pd.Series(raw.ssr[fitted], index=kept),
            centered_tss=pd.Series(raw.tss[fitted], index=kept),
            sample=sample,
            x=x,
            y=y if fitted.all() else y.loc[:, fitted],
            notes=notes + raw.notes,
        )

    @property
    def factors(self) -> list[str]:
        """The regressors, without the constant."""
        return list(self.x.columns)

    @property
    def funds(self) -> list[str]:
        """The fitted series (see :attr:`skipped` for the others)."""
        return list(self.params.index)

    @property
    def skipped(self) -> dict[str, str]:
        """Funds that could not be fitted, with the reason for each, in the order requested."""
        notes = self.sample["note"]
        return notes[notes != ""].to_dict()

    @cached_property
    def nobs(self) -> pd.Series[int]:
        """Observations of each fitted fund."""
        return self.sample.loc[self.params.index, "n_obs"]

    @cached_property
    def span(self) -> pd.DataFrame:
        """First and last date of each fitted fund's sample."""
        return self.sample.loc[self.params.index, ["start", "end"]]

    @cached_property
    def resid(self) -> pd.DataFrame:
        """Residuals, dates × funds; NaN outside each fund's sample."""
        fitted = self.params["const"].to_numpy() + self.x.to_numpy() @ self.params[self.factors].to_numpy().T
        resid: pd.DataFrame = self.y - fitted
        return resid

    @cached_property
    def df_resid(self) -> pd.Series[int]:
        """Residual degrees of freedom, n - k."""
        return self.nobs - self.params.shape[1]

    @cached_property
    def bse(self) -> pd.DataFrame:
        """Standard errors of the parameters."""
        diag = np.sqrt(np.einsum("mii->mi", self.cov_params))
        return pd.DataFrame(diag, index=self.params.index, columns=self.params.columns)

    @cached_property
    def tvalues(self) -> pd.DataFrame:
        """t statistics (the annualized alpha has the same t as the per-period constant)."""
        return self.params / self.bse

    @cached_property
    def pvalues(self) -> pd.DataFrame:
        """Two-sided p-values: Student t for classic errors, normal for HAC (as statsmodels)."""
        t = np.abs(self.tvalues.to_numpy())
        if self.use_t:
            p = 2 * _stats().t.sf(t, self.df_resid.to_numpy()[:, None])
        else:
            p = 2 * _stats().norm.sf(t)
        return pd.DataFrame(p, index=self.params.index, columns=self.params.columns)

    def conf_int(self, alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Lower and upper bounds of the (1 - alpha) confidence intervals."""
        if self.use_t:
            q = _stats().t.ppf(1 - alpha / 2, self.df_resid.to_numpy())[:, None]
        else:
            q = _stats().norm.ppf(1 - alpha / 2)
        half = self.bse * q
        return self.params - half, self.params + half

    @cached_property
    def rsquared(self) -> pd.Series[float]:
        """Centered R²."""
        return (1 - self.ssr / self.centered_tss).rename("r2")

    @cached_property
    def rsquared_adj(self) -> pd.Series[float]:
        """Adjusted R²."""
        return (1 - (self.nobs - 1) / self.df_resid * (1 - self.rsquared)).rename("adj_r2")

    @cached_property
    def fvalue(self) -> pd.Series[float]:
        """Wald F statistic that all factor loadings are zero (uses the chosen covariance)."""
        b = self.params.to_numpy()[:, 1:]
        v = self.cov_params[:, 1:, 1:]
        try:
            wald = np.einsum("mi,mi->m", b, np.linalg.solve(v, b[:, :, None])[:, :, 0])
        except np.linalg.LinAlgError:  # an exact fit's covariance can be exactly zero: F is infinite
            wald = np.array([_wald(bi, vi) for bi, vi in zip(b, v)])
        f_stat: pd.Series[float] = pd.Series(wald / b.shape[1], index=self.params.index, name="f_stat")
        return f_stat

    @cached_property
    def f_pvalue(self) -> pd.Series[float]:
        """p-value of :attr:`fvalue`."""
        q = self.params.shape[1] - 1
        p: pd.Series[float] = pd.Series(
            _stats().f.sf(self.fvalue, q, self.df_resid), index=self.params.index, name="f_pvalue"
        )
        return p

    @cached_property
    def durbin_watson(self) -> pd.Series[float]:
        """Durbin-Watson statistic of each fund's residuals (over its own sample, gaps closed up).

        All funds at once: the residuals laid end to end fund after fund, differenced, and the
        differences within a fund summed (a loop over 4,000 CRSP permnos took seconds).
        """
        resid = self.resid.to_numpy().T  # funds × dates
        fund, _ = np.nonzero(np.isfinite(resid))
        values = resid[np.isfinite(resid)]
        same = fund[1:] == fund[:-1]
        m = len(self.funds)
        num = np.bincount(fund[1:][same], weights=np.diff(values)[same] ** 2, minlength=m)
        den = np.bincount(fund, weights=values**2, minlength=m)
        with np.errstate(invalid="ignore", divide="ignore"):  # an exact fit's residuals can all be 0
            return pd.Series(num / den, index=self.params.index, name="durbin_watson")

    @cached_property
    def alpha(self) -> pd.Series[float]:
        """Annualized alpha: the per-period constant × periods per year."""
        return (self.params["const"] * self.periods_per_year).rename("alpha")

    @cached_property
    def ivol(self) -> pd.Series[float]:
        """Annualized idiosyncratic volatility: residual std (ddof=1) × sqrt(periods per year)."""
        # The residuals have mean zero (the model has a constant), so their sample variance
        # is SSR / (n - 1): no pass over the residuals is needed.
        ivol: pd.Series[float] = np.sqrt(self.ssr / (self.nobs - 1) * self.periods_per_year).rename("ivol")
        return ivol

    @cached_property
    def years(self) -> pd.Series[float]:
        """Sample length in years: observations / periods per year."""
        return (self.nobs / self.periods_per_year).rename("years")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """The command line's table: one row per fund, alpha annualized, loadings with t.

        Funds that could not be fitted keep their row, in the order requested, with empty
        estimates (NaN) and the reason in ``note``, the last column (empty for fitted funds).
        """
        t = self.tvalues
        cols: dict[str, pd.Series[Any]] = {"alpha": self.alpha, "t_alpha": t["const"]}
        for f in self.factors:
            cols[f] = self.params[f]
            cols[f"t_{f}"] = t[f]
        cols.update(r2=self.rsquared, adj_r2=self.rsquared_adj, ivol=self.ivol)
        table = pd.DataFrame(cols).reindex(self.sample.index)
        table["n_obs"] = self.sample["n_obs"]
        table["years"] = self.sample["n_obs"] / self.periods_per_year
        table["start"] = self.sample["start"].dt.date
        table["end"] = self.sample["end"].dt.date
        table["note"] = self.sample["note"]
        return table.rename_axis("fund").reset_index()

    @cached_property
    def detail(self) -> pd.DataFrame:
        """Long table: every parameter of every fund with error, t, p and 95% interval."""
        lower, upper = self.conf_int()
        parts = {
            "coef": self.params,
            "std_err": self.bse,
            "t": self.tvalues,
            "p_value": self.pvalues,
            "ci_lower": lower,
            "ci_upper": upper,
        }
        long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
        return long.rename_axis(["fund", "term"]).reset_index()

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """Fit statistics per fund: F test, Durbin-Watson, degrees of freedom."""
        return (
            pd.concat(
                [
                    self.rsquared,
                    self.rsquared_adj,
                    self.fvalue,
                    self.f_pvalue,
                    self.durbin_watson,
                    self.df_resid.rename("df_resid"),
                ],
                axis=1,
            )
            .rename_axis("fund")
            .reset_index()
        )

    def attribution(self, fund: str) -> pd.DataFrame:
        """Per-period return attribution: β_j × f_j for each factor, alpha, residual, total.

        The columns add up to the fund's excess return in every period; ``cumsum()`` gives the
        cumulative attribution the GUI plots.
        """
        r = self.resid[fund].dropna()
        beta = self.params.loc[fund][self.factors]
        parts = self.x.loc[r.index, self.factors] * beta
        parts["alpha"] = self.params.loc[fund, "const"]
        parts["residual"] = r
        parts["total"] = self.y.loc[r.index, fund]
        return parts

    @cached_property
    def abnormal_returns(self) -> pd.DataFrame:
        """Alpha + residual per period (the fund's return net of factor exposure)."""
        return self.resid + self.params["const"]

    @cached_property
    def cumulative_abnormal(self) -> pd.DataFrame:
        """Cumulative (summed) abnormal returns, as the chapter plots them."""
        return self.abnormal_returns.cumsum().where(self.resid.notna())

    @cached_property
    def risk_decomposition(self) -> pd.DataFrame:
        """Share of each fund's excess-return variance from each factor and from the residual.

        A factor's share is β_j Cov(f_j, Σβf) / Var(r): covariances between factors are split
        between them, and with the residual's share (1 - R²) the shares add up to one. The
        ``standalone`` rows give the chapter's β_j² Var(f_j) / Var(r).
        """
        resid = self.resid.to_numpy()
        mask = np.isfinite(resid)  # each fund's sample
        n = mask.sum(axis=0)
        f = self.x.to_numpy(dtype=float)
        f = np.nan_to_num(f - np.nanmean(f, axis=0))  # centered, so the sample moments below do not cancel
        weights = mask.astype(float)
        first = (f.T @ weights).T  # m×p sums over each fund's sample
        second = ((f[:, :, None] * f[:, None, :]).reshape(len(f), -1).T @ weights).T.reshape(len(n), f.shape[1], -1)
        cov_f = (second - first[:, :, None] * first[:, None, :] / n[:, None, None]) / (n - 1)[:, None, None]
        var_y = _sample_var(self.y.to_numpy(dtype=float), mask)
        beta = self.params[self.factors].to_numpy()
        parts = {
            "share": beta * np.einsum("mpq,mq->mp", cov_f, beta) / var_y[:, None],
            "standalone": beta**2 * np.diagonal(cov_f, axis1=1, axis2=2) / var_y[:, None],
        }
        resid_share = _sample_var(resid, mask) / var_y
        frames = [
            pd.DataFrame(values, columns=self.factors).assign(
                fund=self.funds, part=part, residual=resid_share, order=np.arange(len(n))
            )
            for part, values in parts.items()
        ]
        table = pd.concat(frames).sort_values("order", kind="stable").drop(columns="order")
        return table[["fund", "part", *self.factors, "residual"]].reset_index(drop=True)

    def tables(self) -> LazyTables:
        """Every exportable table by name (sheets of an Excel export), each built when first read."""
        return LazyTables(
            {
                "summary": lambda: self.summary,
                "coefficients": lambda: self.detail,
                "diagnostics": lambda: self.diagnostics,
                "risk": lambda: self.risk_decomposition,
                "abnormal_cumulative": lambda: self.cumulative_abnormal.rename_axis("date").reset_index(),
            }
        )


def _wald(b: np.ndarray, v: np.ndarray) -> float:
    """``b' V^-1 b`` for one fund, infinite when ``V`` is singular (an exact fit)."""
    try:
        return float(b @ np.linalg.solve(v, b))
    except np.linalg.LinAlgError:
        return np.inf


def _sample_var(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each column's sample variance (ddof = 1) over its ``mask`` rows (dates × columns)."""
    n = mask.sum(axis=0)
    mean = np.where(mask, values, 0.0).sum(axis=0) / n
    centered = np.where(mask, values - mean, 0.0)
    var: np.ndarray = (centered**2).sum(axis=0) / (n - 1)
    return var
