"""Read-only results of the per-date cross-sectional regressions, and what follows from them.

- Per date: the characteristic returns (coefficients), the number of stocks and R² (uncentered
  without a constant, centered with one: statsmodels' convention for each setup).
- Fama-MacBeth: the time-series mean of each coefficient, its standard error (std / sqrt T),
  t, and a Newey-West t; the same numbers as linearmodels' ``FamaMacBeth`` (whose kernel
  covariance, like its standard one, divides by T - 1).
- Pure-play portfolios: the weights ``(Z'Z)^-1 Z'`` (``(Z'WZ)^-1 Z'W`` for WLS) of a date,
  whose exposure to their own characteristic is one and to the others zero.
- Characteristic-adjusted returns of portfolios (section 13.9.4): raw, implied and adjusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.crosssection.setup import RawFit, Setup, rule_of_thumb_lags
from analytics.crosssection.source import PanelRows, PanelSource
from analytics.crosssection.sums import DateStats, standardize
from analytics.errors import InputError

if TYPE_CHECKING:
    from analytics.crosssection.model import CrossSectionModel

__all__ = ["CharAdjResults", "CrossSectionResults"]

USER_LAGS_NOTE = "Characteristics are used as given at each date: lag them yourself to avoid look-ahead."


@dataclass(frozen=True)
class CrossSectionResults:
    """Per-date characteristic returns over the estimated dates.

    The panel itself is not kept: per-date statistics are, with the panel's source, from which
    a date (pure plays) or the rows of some ids (characteristic-adjusted returns) are read again.
    """

    setup: Setup
    params: pd.DataFrame  # estimated dates × regressors
    nobs: pd.Series[int]
    rsquared: pd.Series[float]
    skipped: pd.DataFrame  # date, n, reason
    nw_lags: int
    source: PanelSource
    stats: DateStats
    used: np.ndarray  # date numbers (into source.dates) of the estimated dates
    engine: str = "local"
    notes: tuple[str, ...] = ()

    @classmethod
    def from_fit(
        cls, model: CrossSectionModel, raw: RawFit, *, nw_lags: int | None, engine: str = "local"
    ) -> CrossSectionResults:
        """Name the arrays of a fit; skipped dates become a table and a note."""
        source, setup = model.panel, model.setup
        dates = source.dates
        used = np.setdiff1d(np.arange(len(dates)), list(raw.skipped))
        if not len(used):
            first = next(iter(raw.skipped.items()))
            raise InputError(f"{model.source}: no date can be estimated ({dates[first[0]].date()}: {first[1]}).")
        index = pd.DatetimeIndex(dates[used], name="date")
        lags = _lags(nw_lags, len(used))
        skipped = pd.DataFrame(
            {
                "date": dates[list(raw.skipped)],
                "n": raw.stats.n[list(raw.skipped)],
                "reason": list(raw.skipped.values()),
            }
        )
        notes = [*model.notes, f"{setup.description}; Newey-West t with {lags} lags.", USER_LAGS_NOTE]
        if len(skipped):
            shown = "; ".join(f"{d.date()}: {r}" for d, r in zip(skipped["date"][:5], skipped["reason"][:5]))
            more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
            notes.append(f"{len(skipped)} date(s) skipped: {shown}{more}.")
        return cls(
            setup=setup,
            params=pd.DataFrame(raw.params[used], index=index, columns=list(setup.regressors)),
            nobs=pd.Series(raw.stats.n[used], index=index, name="n"),
            rsquared=pd.Series(raw.rsquared[used], index=index, name="r2"),
            skipped=skipped,
            nw_lags=lags,
            source=source,
            stats=raw.stats,
            used=used,
            engine=engine,
            notes=tuple(notes),
        )

    @property
    def regressors(self) -> list[str]:
        """Coefficient names (``const`` first when the model has one)."""
        return list(self.params.columns)

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The estimated dates."""
        return pd.DatetimeIndex(self.params.index)

    @cached_property
    def coefficients(self) -> pd.DataFrame:
        """One row per estimated date: ``date, <characteristic>..., n, r2``."""
        return pd.concat([self.params, self.nobs, self.rsquared], axis=1).reset_index()

    @cached_property
    def cumulative(self) -> pd.DataFrame:
        """Cumulative (summed) characteristic returns, as the chapter splices them into factors."""
        return self.params.cumsum()

    @cached_property
    def fama_macbeth(self) -> pd.DataFrame:
        """``characteristic, premium, std_err, t, t_nw``: the time-series mean of each coefficient."""
        b = self.params.to_numpy()
        n = len(b)
        premium = b.mean(axis=0)
        e = b - premium
        with np.errstate(invalid="ignore", divide="ignore"):
            std_err = np.sqrt((e**2).sum(axis=0) / n / (n - 1))
            long_run = (e**2).sum(axis=0)
            for lag in range(1, self.nw_lags + 1):
                long_run += 2 * (1 - lag / (self.nw_lags + 1)) * (e[lag:] * e[:-lag]).sum(axis=0)
            std_nw = np.sqrt(long_run / n / (n - 1))
            return pd.DataFrame(
                {
                    "characteristic": self.regressors,
                    "premium": premium,
                    "std_err": std_err,
                    "t": premium / std_err,
                    "t_nw": premium / std_nw,
                }
            )

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Premia with (1 - alpha) intervals from the Student t with T - 1 degrees of freedom."""
        fm = self.fama_macbeth
        from analytics.distributions import t  # on first use: scipy.special takes 0.1 s to import

        q = t.ppf(1 - alpha / 2, max(len(self.params) - 1, 1))
        half = q * fm["std_err"]
        return fm.assign(lower=fm["premium"] - half, upper=fm["premium"] + half)

    def date_number(self, date: str | pd.Timestamp) -> int:
        """The estimated date ``date`` names: exact, or the only one in its month (``2020-03``)."""
        try:
            when = pd.Timestamp(date)
        except ValueError:
            raise InputError(f"{date!r} is not a date; use YYYY-MM or YYYY-MM-DD.") from None
        dates = self.source.dates[self.used]
        exact = np.flatnonzero(dates == when)
        month = np.flatnonzero((dates.year == when.year) & (dates.month == when.month))
        found = exact if len(exact) else month
        if len(found) != 1:
            raise InputError(
                f"no estimated cross-section on {date}; dates run from {dates[0].date()} to "
                f"{dates[-1].date()} ({len(dates)} estimated)."
            )
        return int(self.used[found[0]])

    def _members(self, rows: PanelRows) -> np.ndarray:
        """Which rows were in their date's regression sample (the filters of the fit)."""
        setup, t = self.setup, rows.date_pos
        ok = np.isfinite(rows.values[setup.ret_col])
        for name in setup.chars:
            ok &= np.isfinite(rows.values[name])
        if setup.weight_col is not None:
            ok &= rows.values[setup.weight_col] > 0
        if setup.cap_col is not None:
            ok &= rows.values[setup.cap_col] >= self.stats.cutoff[t]
        members: np.ndarray = ok & np.isin(t, self.used)
        return members

    def _design(self, rows: PanelRows, keep: np.ndarray) -> np.ndarray:
        """The regressors (z-scores, constant first if any) of the ``keep`` rows."""
        x = np.column_stack([rows.values[name][keep] for name in self.setup.chars])
        z = standardize(x, self.stats, rows.date_pos[keep])
        if self.setup.constant:
            z = np.column_stack([np.ones(len(z)), z])
        return z

    def _section(self, t: int) -> tuple[PanelRows, np.ndarray, np.ndarray]:
        """Date number ``t``'s rows read again, which of them were in its sample, and their regressors."""
        rows = self.source.read(t, t + 1, self.setup.columns, ids=True)
        keep = np.flatnonzero(self._members(rows))
        return rows, keep, self._design(rows, keep)

    def pure_play_weights(self, date: str | pd.Timestamp) -> pd.DataFrame:
        """Weights of each characteristic's pure-play portfolio at ``date``: stocks × regressors."""
        rows, keep, z = self._section(self.date_number(date))
        wz = z if self.setup.weight_col is None else z * rows.values[self.setup.weight_col][keep, None]
        weights = np.linalg.solve(wz.T @ z, wz.T).T
        assert rows.ids is not None
        return pd.DataFrame(weights, index=pd.Index(rows.ids[keep], name="id"), columns=self.regressors)

    def pure_play_exposures(self, date: str | pd.Timestamp) -> pd.DataFrame:
        """Each pure-play portfolio's exposure (rows) to each regressor (columns): the identity."""
        _, _, z = self._section(self.date_number(date))
        weights = self.pure_play_weights(date).to_numpy()
        return pd.DataFrame(weights.T @ z, index=self.regressors, columns=self.regressors)

    def characteristic_adjusted(self, portfolios: pd.DataFrame) -> CharAdjResults:
        """Raw, characteristic-implied and adjusted returns of each portfolio at each date.

        raw = Σ w r and implied = (Σ w z)·b over the holdings in the date's regression sample;
        holdings missing from it are left out of both, without rescaling the others, and the
        covered share of the portfolio's gross weight is its ``coverage``. Only the held ids'
        rows are read again from the panel's source.
        """
        held = portfolios["id"].unique()
        rows = self.source.read_ids(list(held), self.setup.columns, self.used)
        keep = np.flatnonzero(self._members(rows))
        z = self._design(rows, keep)
        date_pos = np.searchsorted(self.used, rows.date_pos[keep])
        implied = np.einsum("rk,rk->r", z, self.params.to_numpy()[date_pos])
        assert rows.ids is not None
        ids = rows.ids[keep]
        stocks = pd.DataFrame(
            {"date_pos": date_pos, "id": ids, "ret": rows.values[self.setup.ret_col][keep], "implied": implied}
        )
        stocks[self.regressors] = z
        merged = portfolios.merge(stocks, on="id")
        w = merged["weight"].to_numpy()
        parts = merged[["ret", "implied", *self.regressors]].mul(w, axis=0)
        parts["covered"] = np.abs(w)
        sums = parts.groupby([merged["date_pos"], merged["portfolio"]]).sum()
        names = list(dict.fromkeys(portfolios["portfolio"]))
        grid = pd.MultiIndex.from_product([range(len(self.used)), names], names=["date_pos", "portfolio"])
        sums = sums.reindex(grid)
        gross = portfolios.assign(w=portfolios["weight"].abs()).groupby("portfolio")["w"].sum()
        coverage = (sums["covered"].fillna(0.0) / gross.reindex(grid.get_level_values(1)).to_numpy()).to_numpy()
        dates = self.dates[grid.get_level_values(0)]
        frame = pd.DataFrame({"date": dates, "portfolio": grid.get_level_values(1)})
        returns = frame.assign(
            raw=sums["ret"].to_numpy(),
            implied=sums["implied"].to_numpy(),
            adjusted=(sums["ret"] - sums["implied"]).to_numpy(),
            coverage=coverage,
        )
        exposures = pd.concat([frame, sums[self.regressors].reset_index(drop=True)], axis=1)
        missing = sorted(set(map(str, held)) - set(map(str, ids)))
        notes: tuple[str, ...] = ()
        if missing:
            notes = (f"{len(missing)} holding(s) never in a cross-section: {', '.join(missing[:10])}.",)
        return CharAdjResults(returns, exposures, notes)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every exportable table by name (sheets of an Excel export)."""
        return {"coefficients": self.coefficients, "fama_macbeth": self.fama_macbeth, "skipped": self.skipped}


@dataclass(frozen=True)
class CharAdjResults:
    """Characteristic-adjusted returns per date and portfolio, and the portfolios' exposures."""

    returns: pd.DataFrame  # date, portfolio, raw, implied, adjusted, coverage
    exposures: pd.DataFrame  # date, portfolio, Σ w z per regressor
    notes: tuple[str, ...] = ()

    @property
    def portfolios(self) -> list[str]:
        """Portfolio names, in file order."""
        return list(dict.fromkeys(self.returns["portfolio"]))

    def cumulative(self, portfolio: str) -> pd.DataFrame:
        """Cumulative (summed) raw, implied and adjusted returns of one portfolio, by date."""
        one = self.returns.loc[self.returns["portfolio"] == portfolio].set_index("date")
        return one[["raw", "implied", "adjusted"]].fillna(0.0).cumsum()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every exportable table by name."""
        return {"charadj": self.returns, "exposures": self.exposures}


def _lags(nw_lags: int | None, n_dates: int) -> int:
    """The Newey-West lags: given (below the number of dates), or the rule of thumb."""
    if nw_lags is None:
        return min(rule_of_thumb_lags(n_dates), max(n_dates - 1, 0))
    if nw_lags < 0 or (nw_lags >= n_dates > 1):
        raise InputError(f"Newey-West lags must be 0 or more and below the {n_dates} estimated dates, not {nw_lags}.")
    return nw_lags
