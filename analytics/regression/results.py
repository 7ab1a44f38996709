"""Read-only results of a set of fund regressions, and the tables they render as.

Statistics are cached properties returning named pandas objects (funds as the index), like
linearmodels' results. ``summary`` is the command line's table; ``tables()`` is everything a
user can export. Derived views (attribution, risk decomposition, abnormal-return paths)
follow the chapter's sections 13.6-13.8.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from types import ModuleType

import numpy as np
import pandas as pd

from analytics.regression.covariance import CovarianceEstimator
from analytics.regression.ols import ManyOLS

__all__ = ["FactorRegressionResults"]


def _stats() -> ModuleType:
    """scipy.stats, imported on first use: it costs about half a second of start-up."""
    from scipy import stats

    return stats


@dataclass(frozen=True)
class FactorRegressionResults:
    """Per-fund OLS estimates of excess returns on factors, with a constant."""

    model: str
    freq: str
    periods_per_year: int
    cov_description: str
    use_t: bool
    params: pd.DataFrame
    cov_params: np.ndarray
    nobs: pd.Series
    ssr: pd.Series
    centered_tss: pd.Series
    span: pd.DataFrame
    x: pd.DataFrame
    y: pd.DataFrame
    notes: tuple[str, ...] = ()

    @classmethod
    def from_arrays(
        cls, raw: ManyOLS, estimator: CovarianceEstimator, *, model: str, funds: list[str],
        x: pd.DataFrame, y: pd.DataFrame, freq: str, periods_per_year: int, notes: tuple[str, ...],
    ) -> FactorRegressionResults:
        """Wrap :func:`~analytics.regression.ols.fit_many`'s arrays with names."""
        index = pd.Index(funds, name="fund")
        columns = ["const", *x.columns]
        return cls(
            model=model, freq=freq, periods_per_year=periods_per_year,
            cov_description=estimator.description, use_t=estimator.use_t,
            params=pd.DataFrame(raw.params, index=index, columns=columns),
            cov_params=raw.cov, nobs=pd.Series(raw.nobs, index=index, name="n_obs"),
            ssr=pd.Series(raw.ssr, index=index), centered_tss=pd.Series(raw.centered_tss, index=index),
            span=pd.DataFrame({"start": y.index[raw.first], "end": y.index[raw.last]}, index=index),
            x=x, y=y, notes=notes,
        )

    @property
    def factors(self) -> list[str]:
        """The regressors, without the constant."""
        return list(self.x.columns)

    @property
    def funds(self) -> list[str]:
        """The regressed series."""
        return list(self.params.index)

    @cached_property
    def resid(self) -> pd.DataFrame:
        """Residuals, dates × funds; NaN outside each fund's sample."""
        fitted = self.params["const"].to_numpy() + self.x.to_numpy() @ self.params[self.factors].to_numpy().T
        return self.y - fitted

    @cached_property
    def df_resid(self) -> pd.Series:
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
    def rsquared(self) -> pd.Series:
        """Centered R²."""
        return (1 - self.ssr / self.centered_tss).rename("r2")

    @cached_property
    def rsquared_adj(self) -> pd.Series:
        """Adjusted R²."""
        return (1 - (self.nobs - 1) / self.df_resid * (1 - self.rsquared)).rename("adj_r2")

    @cached_property
    def fvalue(self) -> pd.Series:
        """Wald F statistic that all factor loadings are zero (uses the chosen covariance)."""
        b = self.params.to_numpy()[:, 1:]
        v = self.cov_params[:, 1:, 1:]
        wald = np.einsum("mi,mi->m", b, np.linalg.solve(v, b[:, :, None])[:, :, 0])
        return pd.Series(wald / b.shape[1], index=self.params.index, name="f_stat")

    @cached_property
    def f_pvalue(self) -> pd.Series:
        """p-value of :attr:`fvalue`."""
        q = self.params.shape[1] - 1
        return pd.Series(_stats().f.sf(self.fvalue, q, self.df_resid), index=self.params.index, name="f_pvalue")

    @cached_property
    def durbin_watson(self) -> pd.Series:
        """Durbin-Watson statistic of each fund's residuals (over its own sample)."""
        out = {}
        for fund in self.funds:
            r = self.resid[fund].dropna().to_numpy()
            out[fund] = float(np.sum(np.diff(r) ** 2) / np.sum(r**2))
        return pd.Series(out, name="durbin_watson").rename_axis("fund")

    @cached_property
    def alpha(self) -> pd.Series:
        """Annualized alpha: the per-period constant × periods per year."""
        return (self.params["const"] * self.periods_per_year).rename("alpha")

    @cached_property
    def ivol(self) -> pd.Series:
        """Annualized idiosyncratic volatility: residual std (ddof=1) × sqrt(periods per year)."""
        # The residuals have mean zero (the model has a constant), so their sample variance
        # is SSR / (n - 1): no pass over the residuals is needed.
        return np.sqrt(self.ssr / (self.nobs - 1) * self.periods_per_year).rename("ivol")

    @cached_property
    def years(self) -> pd.Series:
        """Sample length in years: observations / periods per year."""
        return (self.nobs / self.periods_per_year).rename("years")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """The command line's table: one row per fund, alpha annualized, loadings with t."""
        t = self.tvalues
        cols: dict[str, pd.Series] = {"alpha": self.alpha, "t_alpha": t["const"]}
        for f in self.factors:
            cols[f] = self.params[f]
            cols[f"t_{f}"] = t[f]
        cols.update(
            r2=self.rsquared, adj_r2=self.rsquared_adj, ivol=self.ivol, n_obs=self.nobs,
            years=self.years, start=self.span["start"].dt.date, end=self.span["end"].dt.date,
        )
        return pd.DataFrame(cols).rename_axis("fund").reset_index()

    @cached_property
    def detail(self) -> pd.DataFrame:
        """Long table: every parameter of every fund with error, t, p and 95% interval."""
        lower, upper = self.conf_int()
        parts = {
            "coef": self.params, "std_err": self.bse, "t": self.tvalues, "p_value": self.pvalues,
            "ci_lower": lower, "ci_upper": upper,
        }
        long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
        return long.rename_axis(["fund", "term"]).reset_index()

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """Fit statistics per fund: F test, Durbin-Watson, degrees of freedom."""
        return pd.concat(
            [self.rsquared, self.rsquared_adj, self.fvalue, self.f_pvalue, self.durbin_watson,
             self.df_resid.rename("df_resid")], axis=1,
        ).rename_axis("fund").reset_index()

    def attribution(self, fund: str) -> pd.DataFrame:
        """Per-period return attribution: β_j × f_j for each factor, alpha, residual, total.

        The columns add up to the fund's excess return in every period; ``cumsum()`` gives the
        cumulative attribution the GUI plots.
        """
        r = self.resid[fund].dropna()
        beta = self.params.loc[fund, self.factors]
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
        rows = []
        for fund in self.funds:
            r = self.resid[fund].dropna()
            f = self.x.loc[r.index, self.factors].to_numpy()
            beta = self.params.loc[fund, self.factors].to_numpy()
            var_y = float(np.var(self.y.loc[r.index, fund], ddof=1))
            cov_f = np.atleast_2d(np.cov(f, rowvar=False))
            shares = beta * (cov_f @ beta) / var_y
            standalone = beta**2 * np.diag(cov_f) / var_y
            resid_share = float(np.var(r, ddof=1)) / var_y
            rows.append({"fund": fund, "part": "share", **dict(zip(self.factors, shares)), "residual": resid_share})
            rows.append({"fund": fund, "part": "standalone", **dict(zip(self.factors, standalone)), "residual": resid_share})
        return pd.DataFrame(rows)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every exportable table by name (sheets of an Excel export)."""
        return {
            "summary": self.summary, "coefficients": self.detail, "diagnostics": self.diagnostics,
            "risk": self.risk_decomposition,
            "abnormal_cumulative": self.cumulative_abnormal.rename_axis("date").reset_index(),
        }
