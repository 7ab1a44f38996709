"""Read-only results of a holdings exposure analysis, and the tables they export as.

:class:`HoldingsView` is one holdings file laid on the return dates (which holdings are in
force on each date, and the betas of their stocks); :class:`ExposureResults` holds the fund's
view, the optional benchmark's, and the top-down regressions. Derived numbers (exposures,
coverage, active exposures, contributions) are cached properties or small methods, like the
regression results.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from analytics.data.holdings import with_kind
from analytics.errors import InputError

__all__ = ["COVERAGE_FLAG", "ExposureResults", "HoldingsView", "low_coverage_note"]

#: Dates whose coverage falls below this share are flagged (a note, and a mark on the plot).
COVERAGE_FLAG = 0.9


@dataclass(frozen=True)
class HoldingsView:
    """Holdings in force on each return date, and (once estimated) the held stocks' betas.

    ``weights`` is dates × ids of the stocks with returns (0 where not held); ``held_since``
    gives, per date, the holdings date in force; ``positions`` are the holdings themselves
    (``date, id, weight, kind``: cash and ids without returns too); ``gross`` and ``cash`` the
    Σ |weight| of all positions and of cash in force on each date; ``betas`` is dates × ids ×
    factors (NaN: no beta).
    """

    weights: pd.DataFrame
    held_since: pd.Series[pd.Timestamp]
    positions: pd.DataFrame
    gross: pd.Series[float]
    cash: pd.Series[float]
    betas: np.ndarray | None = None
    factors: tuple[str, ...] = ()

    @classmethod
    def build(cls, holdings: pd.DataFrame, returns: pd.DataFrame) -> HoldingsView:
        """Lay ``holdings`` (date, id, weight, kind) on the return dates: each applies after its
        date. Every position counts in ``gross``, so ids without returns lower the coverage."""
        holdings = with_kind(holdings)
        dates = pd.DatetimeIndex(np.unique(holdings["date"]))
        securities = holdings[holdings["kind"] == "security"]
        grid = securities.pivot_table(index="date", columns="id", values="weight", aggfunc="sum", fill_value=0.0)
        grid = grid.reindex(index=dates, columns=returns.columns, fill_value=0.0)
        size = holdings["weight"].abs()
        gross = size.groupby(holdings["date"]).sum().reindex(dates)
        cash = size.where(holdings["kind"] == "cash", 0.0).groupby(holdings["date"]).sum().reindex(dates)
        # the last holdings date strictly before each return date (no look-ahead)
        which = dates.searchsorted(returns.index, side="left") - 1
        in_force = which >= 0
        if not in_force.any():
            raise InputError(
                f"the first holdings date {dates[0].date()} is on or after the last return date "
                f"{returns.index[-1].date()}; use returns that cover the periods after the holdings."
            )
        on = returns.index[in_force]
        rows = which[in_force]
        weights = pd.DataFrame(grid.to_numpy()[rows], index=on, columns=returns.columns).rename_axis("date")
        return cls(
            weights,
            pd.Series(dates[rows], index=on, name="held_since"),
            holdings.reset_index(drop=True),
            pd.Series(gross.to_numpy()[rows], index=on),
            pd.Series(cash.to_numpy()[rows], index=on),
        )

    def with_betas(self, betas: np.ndarray, factors: tuple[str, ...]) -> HoldingsView:
        """A copy holding the stocks' betas (dates × ids × ``factors``) for these dates."""
        return replace(self, betas=betas, factors=tuple(factors))

    @property
    def dates(self) -> pd.DatetimeIndex:
        """Return dates with holdings in force."""
        return cast(pd.DatetimeIndex, self.weights.index)  # the weights are laid on the return dates

    def window_rows(self) -> list[tuple[int, int]]:
        """Row ranges ``[lo, hi)`` of ``dates`` under each holdings date, in order."""
        codes = self.held_since.to_numpy()
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        ends = np.r_[starts[1:], len(codes)]
        return list(zip(starts.tolist(), ends.tolist()))

    @property
    def n_windows(self) -> int:
        """Holdings windows with at least one return date."""
        return len(self.window_rows())

    def _fitted_betas(self) -> np.ndarray:
        """The stocks' betas; a view has them once :meth:`with_betas` made it."""
        if self.betas is None:
            raise ValueError("no stock betas yet: make the view with with_betas first")
        return self.betas

    @cached_property
    def _covered(self) -> np.ndarray:
        return np.asarray(np.isfinite(self._fitted_betas()).all(axis=2))

    @cached_property
    def exposures(self) -> pd.DataFrame:
        """Σ weight × beta over the holdings with a beta (cash adds nothing), and the coverage:
        (|weight| of stocks with a beta + |cash|) / |weight| of every position in force. NaN
        exposures on dates where no stock has a beta, rather than a false zero."""
        w = self.weights.to_numpy()
        covered = self._covered
        betas = np.where(covered[:, :, None], self._fitted_betas(), 0.0)  # NaN × 0 would be NaN
        total = np.einsum("tj,tjk->tk", np.where(covered, w, 0.0), betas)
        with_beta = np.where(covered, np.abs(w), 0.0).sum(axis=1)
        gross = self.gross.to_numpy()
        coverage = np.divide(with_beta + self.cash.to_numpy(), gross, out=np.zeros_like(gross), where=gross > 0)
        total[with_beta == 0] = np.nan
        frame = pd.DataFrame(total, index=self.dates, columns=list(self.factors))
        frame["coverage"] = coverage
        return frame

    def never_covered(self) -> list[str]:
        """Held ids with returns that have no beta on any date they are held."""
        held = self.weights.to_numpy() != 0
        ever = (held & self._covered).any(axis=0)
        return [str(c) for c, h, e in zip(self.weights.columns, held.any(axis=0), ever) if h and not e]

    def contributions(self, date: pd.Timestamp) -> pd.DataFrame:
        """Every position in force on ``date`` (or the last date before it): kind, weight, betas,
        weight × beta; ids without returns or a beta show NaN betas, cash contributes 0."""
        row = max(0, int(self.dates.searchsorted(pd.Timestamp(date), side="right")) - 1)
        held = self.positions[self.positions["date"] == self.held_since.iloc[row]]
        stock = pd.DataFrame(self._fitted_betas()[row], index=self.weights.columns, columns=list(self.factors))
        betas = stock.reindex(held["id"]).set_axis(held.index, axis=0)
        betas[(held["kind"] == "cash").to_numpy()] = np.nan
        out = held[["id", "kind", "weight"]]
        contrib = betas.mul(held["weight"], axis=0)
        contrib[(held["kind"] == "cash").to_numpy()] = 0.0
        table: pd.DataFrame = out.join(betas.add_prefix("beta_")).join(contrib.add_prefix("contrib_"))
        return table.reset_index(drop=True)


def low_coverage_note(coverage: pd.Series[float], threshold: float = COVERAGE_FLAG) -> str | None:
    """A note naming the stretches of dates whose coverage is below ``threshold`` (with their
    lowest coverage), or None when every date is covered well enough."""
    low = (coverage < threshold).to_numpy()
    if not low.any():
        return None
    starts = np.flatnonzero(low & ~np.r_[False, low[:-1]])
    ends = np.flatnonzero(low & ~np.r_[low[1:], False])
    dates = pd.DatetimeIndex(coverage.index)
    runs = [
        f"{dates[int(a)].date()}"
        + (f" to {dates[int(b)].date()}" if b > a else "")
        + f" (lowest {coverage.iloc[a : b + 1].min():.3f})"
        for a, b in zip(starts, ends)
    ]
    shown = "; ".join(runs[:5]) + (f"; and {len(runs) - 5} more" if len(runs) > 5 else "")
    return (
        f"coverage below {threshold:.0%} on {int(low.sum())} of {len(low)} date(s): {shown}; "
        "exposures there miss part of the fund (add the missing stocks' returns)."
    )


@dataclass(frozen=True)
class ExposureResults:
    """Bottom-up exposures of a fund (and benchmark), top-down regressions, and what was assumed."""

    model: str
    freq: str
    method: str
    window: int | None
    min_obs: int
    factors: tuple[str, ...]
    fund: HoldingsView
    fund_returns: pd.Series[float]
    topdown: pd.DataFrame
    #: Classic standard errors of the top-down coefficients (rows as ``topdown``, ``const, <factor>...``).
    topdown_se: pd.DataFrame
    benchmark: HoldingsView | None = None
    notes: tuple[str, ...] = ()
    #: The request that made the results (:func:`~analytics.exposures.request.run_exposures`).
    request: Any = None
    #: What reading the inputs assumed (holdings rows skipped, units, sources joined...).
    input_notes: tuple[str, ...] = ()

    @property
    def all_notes(self) -> tuple[str, ...]:
        """Every note once: the inputs', then the analysis'."""
        return tuple(dict.fromkeys((*self.input_notes, *self.notes)))

    @property
    def settings(self) -> dict[str, Any]:
        """What the run used where the request left it to the data, for the run record."""
        return {
            "model": self.model,
            "factors": list(self.factors),
            "frequency": self.freq,
            "stock_betas": self.method,
            "window": self.window,
            "min_obs": self.min_obs,
        }

    @cached_property
    def exposures(self) -> pd.DataFrame:
        """One row per return date in force: ``<factor>..., coverage`` (index ``date``)."""
        return self.fund.exposures

    @cached_property
    def low_coverage(self) -> pd.Series[float]:
        """The coverage of the dates below :data:`COVERAGE_FLAG` (flagged in notes and plots)."""
        coverage = self.exposures["coverage"]
        return coverage[coverage < COVERAGE_FLAG]

    @cached_property
    def benchmark_exposures(self) -> pd.DataFrame | None:
        """The benchmark's exposures on its own dates, when a benchmark was given."""
        return None if self.benchmark is None else self.benchmark.exposures

    @cached_property
    def active(self) -> pd.DataFrame | None:
        """Fund minus benchmark exposures on the dates both have holdings in force."""
        if self.benchmark_exposures is None:
            return None
        factors = list(self.factors)
        fund, bench = self.exposures[factors], self.benchmark_exposures[factors]
        dates = fund.index.intersection(bench.index)
        return fund.loc[dates] - bench.loc[dates]

    @cached_property
    def windows(self) -> pd.DataFrame:
        """Holdings windows: holdings date, first and last return date, positions, weight sum."""
        rows = []
        by_date = self.fund.positions.groupby("date")["weight"]
        for lo, hi in self.fund.window_rows():
            held = self.fund.held_since.iloc[lo]
            rows.append(
                {
                    "holdings_date": held,
                    "window_start": self.fund.dates[lo],
                    "window_end": self.fund.dates[hi - 1],
                    "positions": int(by_date.size()[held]),
                    "weight_sum": float(by_date.sum()[held]),
                }
            )
        return pd.DataFrame(rows)

    def topdown_intervals(self, level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Lower and upper bounds of the top-down coefficients' ``level`` intervals (rows as
        ``topdown``; NaN for windows too short to fit): coefficient ± t quantile × standard error,
        with the regression's residual degrees of freedom, as statsmodels' ``conf_int``."""
        from analytics.distributions import t  # scipy.special on first use, not at start-up

        terms = list(self.topdown_se.columns)
        df = self.topdown["n_obs"].to_numpy(dtype=float) - len(terms)
        half = self.topdown_se.mul(t.ppf(0.5 + level / 2, df), axis=0)
        return self.topdown[terms] - half, self.topdown[terms] + half

    def contributions(self, date: pd.Timestamp) -> pd.DataFrame:
        """Each holding's weight, betas and weight × beta on ``date`` (the exposure table)."""
        return self.fund.contributions(date)

    @cached_property
    def stock_betas(self) -> pd.DataFrame:
        """Per holdings window: each held stock's weight and the betas used on the window's first date."""
        parts = []
        for start in self.windows["window_start"]:
            part = self.contributions(start).loc[:, lambda f: ~f.columns.str.startswith("contrib_")]
            parts.append(part.assign(window_start=start))
        frame = pd.concat(parts, ignore_index=True)
        return frame[["window_start", *frame.columns[:-1]]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every exportable table by name (sheets of an Excel export); ``exposures`` first."""
        out = {
            "exposures": self.exposures.reset_index(),
            "topdown": self.topdown,
            "stock_betas": self.stock_betas,
            "windows": self.windows,
        }
        if self.active is not None and self.benchmark_exposures is not None:  # both, with a benchmark
            out["active"] = self.active.rename_axis("date").reset_index()
            out["benchmark_exposures"] = self.benchmark_exposures.reset_index()
        return out
