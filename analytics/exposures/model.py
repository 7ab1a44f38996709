"""Bottom-up and top-down factor exposures of a fund from its holdings (chapter section 13.8).

Bottom-up: each held stock's betas on the model's factors, weighted by the holdings in
force, give the fund's exposure on every return date, with ``coverage``: (|weight| of the
stocks that have a beta + |cash|) / |weight| of every position. Held ids without returns,
or with too few returns for a beta, lower it; cash has no beta but exposes the fund to
nothing, so it counts as covered. Dates below 90% are flagged in a note. Top-down: the fund's own return (given, or implied by the
holdings) regressed on the factors, over the full sample and within each holdings window.

No look-ahead: holdings dated D apply to the returns of the periods after D until the next
holdings date, so a holdings date equal to a return date applies from the next return date
on. Monthly holdings dates move to their calendar month-end first, as monthly returns do,
so holdings of any day of a month apply from the next month on.

Stock betas, all estimated on excess returns with a constant:

- ``full``: one regression per stock over the whole sample (``ols.fit_many``, no loop).
- ``rolling``: ``window``-period rolling regressions (``rolling.rolling_betas``); the betas
  used on a date are those estimated through the previous period (known at its start).
- ``split``: one regression per stock within each holdings window (the chapter's periods).

A stock with fewer than ``min_obs`` returns where it is estimated has no beta there and
lowers the coverage instead of failing the analysis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics import jobs
from analytics.data.holdings import with_kind
from analytics.errors import InputError
from analytics.exposures.results import ExposureResults, HoldingsView, low_coverage_note
from analytics.frequency import normalize_dates
from analytics.jobs import Job, Progress
from analytics.regression.covariance import make_estimator
from analytics.regression.models import choose_model, model_factors
from analytics.regression.ols import fit_many
from analytics.regression.rolling import rolling_betas
from analytics.regression.windows import window_fits

__all__ = ["METHODS", "ExposureModel", "exposures_job"]

METHODS = ("full", "rolling", "split")


class ExposureModel:
    """A fund's holdings, its stocks' returns and the factors, aligned once.

    Parameters
    ----------
    holdings : DataFrame
        Canonical holdings ``date, id, weight, kind`` (see :mod:`analytics.data.holdings`;
        without ``kind`` every position is a security).
    stocks : DataFrame
        Stock total returns (decimals), dates × ids; excess when ``excess``.
    factors : DataFrame
        Factor returns on the same frequency, with ``RF`` unless ``excess``.
    freq : str
        ``daily``, ``weekly`` or ``monthly``.
    model : str, optional
        ``capm`` ... ``ff6``; the largest available when omitted.
    benchmark : DataFrame, optional
        Benchmark holdings in the same shape, for the active view.
    fund_returns : Series, optional
        The fund's own total returns for the top-down regressions (default: holdings-implied).
    source : str
        Factor source name, for messages.
    """

    def __init__(
        self,
        holdings: pd.DataFrame,
        stocks: pd.DataFrame,
        factors: pd.DataFrame,
        *,
        freq: str,
        model: str | None = None,
        benchmark: pd.DataFrame | None = None,
        fund_returns: pd.Series[float] | None = None,
        excess: bool = False,
        source: str = "factors",
    ) -> None:
        self.model, note = choose_model(model, [c for c in factors.columns if c != "RF"], source)
        self.notes: list[str] = [note] if note else []
        self.freq = freq
        names = list(model_factors(self.model))
        x = factors[names].dropna()
        dates = x.index.intersection(stocks.index)
        if len(dates) == 0:
            raise InputError(
                f"the stock returns ({stocks.index[0].date()} to {stocks.index[-1].date()}) and {source} "
                f"({factors.index[0].date()} to {factors.index[-1].date()}) have no dates in common."
            )
        rf = self._risk_free(factors, pd.DatetimeIndex(dates), excess, source)
        self.x = x.loc[dates]
        self.holdings = self._holdings(holdings, "holdings")
        self.benchmark = None if benchmark is None else self._holdings(benchmark, "benchmark holdings")
        ids = self._universe(stocks)
        self.y = stocks.reindex(index=dates, columns=ids).sub(rf, axis=0)
        self.fund = None if fund_returns is None else fund_returns.reindex(dates).sub(rf)

    @staticmethod
    def _risk_free(factors: pd.DataFrame, dates: pd.DatetimeIndex, excess: bool, source: str) -> pd.Series[float]:
        if excess:
            return pd.Series(0.0, index=dates)
        if "RF" not in factors.columns:
            raise InputError(
                f"{source}: no RF column, so total returns cannot be made excess; add RF, or say that the "
                "returns already are excess returns.",
                option="excess",
            )
        return factors["RF"].reindex(dates)

    def _holdings(self, holdings: pd.DataFrame, what: str) -> pd.DataFrame:
        """Holdings with monthly dates at their month-end; the last file of a month wins."""
        if holdings.empty:
            raise InputError(f"{what}: no positions; check the file.")
        holdings = with_kind(holdings)
        dates = normalize_dates(pd.DatetimeIndex(holdings["date"]), self.freq)
        frame = holdings.assign(date=dates)
        if self.freq == "monthly":
            last = holdings["date"].groupby(np.asarray(dates)).transform("max").to_numpy()
            kept = holdings["date"].to_numpy() == last
            if not kept.all():
                self.notes.append(f"{what}: several holdings dates in one month; the last of each month is used.")
            frame = frame[kept]
        return frame.reset_index(drop=True)

    def _universe(self, stocks: pd.DataFrame) -> list[str]:
        """Stocks held by the fund or the benchmark that have returns; the others are reported
        (cash is not looked up: it has no beta by nature)."""
        frames = [self.holdings] if self.benchmark is None else [self.holdings, self.benchmark]
        held = pd.Index(pd.concat([f.loc[f["kind"] == "security", "id"] for f in frames]).unique())
        if len(held) == 0:
            raise InputError("the holdings hold only cash; there is no stock to estimate an exposure from.")
        have = held.intersection(stocks.columns, sort=False)
        missing = held.difference(stocks.columns, sort=False)
        if len(have) == 0:
            raise InputError(
                f"none of the {len(held)} held ids (e.g. {held[0]!r}) is a column of the stock returns; "
                "check the id columns of the holdings and of the returns.",
                option="id_col",
            )
        if len(missing):
            listed = ", ".join(map(str, missing[:10])) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            self.notes.append(f"{len(missing)} held id(s) have no returns and no beta (lower coverage): {listed}.")
        return list(have)

    @property
    def n_params(self) -> int:
        """Regression parameters: the constant and the model's factors."""
        return self.x.shape[1] + 1

    def fit(self, **options: Any) -> ExposureResults:
        """Everything at once; see :meth:`fit_job`."""
        return jobs.run(self.fit_job(**options))

    def fit_job(
        self, *, method: str = "full", window: int | None = None, min_obs: int | None = None
    ) -> Job[ExposureResults]:
        """Stock betas by ``method``, bottom-up exposures, top-down regressions, active view."""
        if method not in METHODS:
            raise InputError(f"unknown beta method {method!r}; use one of {', '.join(METHODS)}.", option="method")
        if method == "rolling" and window is None:
            raise InputError("rolling betas need a window: give its length in periods.", option="window")
        min_obs = self._min_obs(method, window, min_obs)
        yield Progress(0.02, f"{method} betas of {self.y.shape[1]} stocks")
        grid = None if method == "split" else (yield from self._grid_betas(method, window, min_obs))
        fund_view = yield from self._view(self.holdings, grid, min_obs)
        bench_view = None
        if self.benchmark is not None:
            bench_view = yield from self._view(self.benchmark, grid, min_obs)
        yield Progress(0.85, "top-down regressions")
        fund, implied_note = self._fund_returns(fund_view)
        topdown, topdown_se = self._topdown(fund, fund_view)
        notes = [*self.notes, *([implied_note] if implied_note else [])]
        uncovered = fund_view.never_covered()
        if uncovered:
            notes.append(
                f"{len(uncovered)} held stock(s) have too few returns (< {min_obs}) for a beta and lower the "
                f"coverage: {', '.join(uncovered[:10])}."
            )
        low = low_coverage_note(fund_view.exposures["coverage"])
        if low:
            notes.append(low)
        yield Progress(1.0, "done")
        return ExposureResults(
            model=self.model,
            freq=self.freq,
            method=method,
            window=window,
            min_obs=min_obs,
            factors=tuple(self.x.columns),
            fund=fund_view,
            benchmark=bench_view,
            fund_returns=fund,
            topdown=topdown,
            topdown_se=topdown_se,
            notes=tuple(dict.fromkeys(notes)),
        )

    def _min_obs(self, method: str, window: int | None, min_obs: int | None) -> int:
        rolling = window if method == "rolling" else None  # fit_job makes sure rolling has a window
        if min_obs is None:
            min_obs = max(self.n_params + 1, rolling // 2) if rolling is not None else self.n_params + 1
        if min_obs < self.n_params:
            raise InputError(
                f"{min_obs} observations is below the {self.n_params} parameters of the model; raise it.",
                option="min_obs",
            )
        if rolling is not None and (rolling < min_obs or rolling > len(self.y)):
            raise InputError(
                f"a window of {window} periods must be at least the minimum of {min_obs} observations and at most "
                f"the {len(self.y)} periods of data.",
                option="window",
            )
        return min_obs

    @property
    def _regressors(self) -> np.ndarray:
        """The constant and the factors, T×k."""
        return np.column_stack([np.ones(len(self.x)), self.x.to_numpy(dtype=float)])

    def _grid_betas(self, method: str, window: int | None, min_obs: int) -> Job[np.ndarray]:
        """Full-sample or rolling factor betas on every return date: dates × ids × factors."""
        y = self.y.to_numpy(dtype=float)
        if method == "full":
            params = yield from self._fit_sample(y, min_obs)
            return np.broadcast_to(params, (len(y), *params.shape))
        assert window is not None  # fit_job refuses rolling betas without a window
        fitted = yield from rolling_betas(y, self._regressors, window, min_obs)
        ex_ante = np.full_like(fitted[:, :, 1:], np.nan)
        ex_ante[1:] = fitted[:-1, :, 1:]  # betas known at the start of each period
        return ex_ante

    def _view(self, holdings: pd.DataFrame, grid: np.ndarray | None, min_obs: int) -> Job[HoldingsView]:
        """Holdings on the return dates with their stocks' betas (split: fitted window by window)."""
        view = HoldingsView.build(holdings, self.y)
        factors = tuple(self.x.columns)
        rows = self.y.index.get_indexer(view.dates)  # type: ignore[no-untyped-call]  # untyped in pandas-stubs
        if grid is not None:
            return view.with_betas(grid[rows], factors)
        y = self.y.to_numpy(dtype=float)
        betas = np.full((len(rows), y.shape[1], len(factors)), np.nan)
        for i, (lo, hi) in enumerate(view.window_rows()):
            sample = np.full_like(y, np.nan)
            sample[rows[lo] : rows[hi - 1] + 1] = y[rows[lo] : rows[hi - 1] + 1]
            betas[lo:hi] = yield from self._fit_sample(sample, min_obs)
            yield Progress(0.02 + 0.8 * (i + 1) / view.n_windows, f"split betas, window {i + 1}/{view.n_windows}")
        return view.with_betas(betas, factors)

    def _fit_sample(self, y: np.ndarray, min_obs: int) -> Job[np.ndarray]:
        """Full-sample factor betas (ids × factors); NaN for the stocks ``fit_many`` skips (fewer
        than ``min_obs`` returns, no variation, collinear factors over their dates)."""
        raw = yield from fit_many(
            y,
            self.x.to_numpy(dtype=float),
            make_estimator(),
            names=list(self.x.columns),
            series=[str(c) for c in self.y.columns],
            min_obs=min_obs,
        )
        return raw.params[:, 1:]

    def _fund_returns(self, view: HoldingsView) -> tuple[pd.Series[float], str | None]:
        """The fund's excess return per period in force: given, or Σ weight × stock excess return."""
        if self.fund is not None:
            return self.fund.loc[view.dates].rename("fund"), None
        held = view.weights.to_numpy() != 0
        returns = self.y.loc[view.dates].to_numpy()
        gaps = int((held & ~np.isfinite(returns)).sum())
        implied = pd.Series(
            np.where(held, np.nan_to_num(returns) * view.weights.to_numpy(), 0.0).sum(axis=1),
            index=view.dates,
            name="fund",
        )
        note = None
        if gaps:
            note = (
                f"holdings-implied fund return: {gaps} held (date, stock) return(s) missing, counted as 0 "
                "(pass the fund's own returns to avoid this)."
            )
        return implied, note

    def _topdown(self, fund: pd.Series[float], view: HoldingsView) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Top-down regressions of the fund return: full sample, then each holdings window; and
        their coefficients' standard errors (the same rows, ``const, <factor>...``)."""
        windows = [(None, None), *((view.dates[lo], view.dates[hi - 1]) for lo, hi in view.window_rows())]
        table = window_fits(fund.to_frame("fund"), self.x, windows, freq=self.freq, model=self.model, errors=True)
        short = table.index[table["const"].isna()]
        if len(short):
            first = windows[short[0]][0]
            self.notes.append(
                f"top-down: {len(short)} holdings window(s) have fewer than {self.n_params + 1} returns and no "
                f"regression (first: window from {first.date() if first is not None else 'the start'})."
            )
        errors = [c for c in table.columns if c.startswith("se_")]
        return table.drop(columns=["series", *errors]), table[errors].rename(columns=lambda c: c[3:])


def exposures_job(
    holdings: pd.DataFrame,
    stocks: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    freq: str,
    method: str = "full",
    window: int | None = None,
    min_obs: int | None = None,
    **model_options: Any,
) -> Job[ExposureResults]:
    """Build the model and fit it, all inside the job (alignment runs off the GUI thread too)."""
    yield Progress(0.0, "aligning holdings, returns and factors")
    model = ExposureModel(holdings, stocks, factors, freq=freq, **model_options)
    return (yield from model.fit_job(method=method, window=window, min_obs=min_obs))
