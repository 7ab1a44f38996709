"""Cross-sectional regressions of stock returns on standardized characteristics (section 13.9).

At every date the chapter regresses excess returns on z-scored characteristics, without a
constant: ``R = X b + e``, so each coefficient is the return of a "pure play" portfolio with
unit exposure to one characteristic and none to the others. ``CrossSectionModel(panel,
...).fit()`` does this for every date, with the chapter's fixes for the small-stock problem
(WLS by market cap, only the largest P% of stocks) and optional winsorizing and constant.

Why not a loop of statsmodels fits: 600 months of 4,000 stocks would take minutes. Each date
needs only its design's cross-products, so the panel is streamed a block of dates at a time
(:mod:`analytics.crosssection.sums`) from its source, a frame in memory or a date-partitioned
dataset on disk (:mod:`analytics.crosssection.source`), on this machine's threads or on a Dask
cluster (:mod:`analytics.crosssection.engines`); the state kept is O(dates × k²), whatever the
panel's length. The coefficients, n and R² equal statsmodels' OLS/WLS per date to 1e-8 (the
tests and ``bench/run.py crosssection_fm`` check it). Characteristics are used as given at
each date: lagging them (no look-ahead) is the user's job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics import jobs
from analytics.crosssection.engines import make_engine
from analytics.crosssection.results import CrossSectionResults
from analytics.crosssection.setup import CAP_NAMES, RawFit, Setup
from analytics.crosssection.source import PanelSource, as_source
from analytics.crosssection.sums import DateStats, one_blas_thread
from analytics.errors import InputError
from analytics.jobs import Job, Progress

if TYPE_CHECKING:
    from analytics.data.partitioned import PartitionedPanel

__all__ = ["CrossSectionModel"]

# Above this condition number of a date's Z'Z its characteristics count as collinear.
_COND_LIMIT = 1e12


class CrossSectionModel:
    """Per-date regressions of a return column on z-scored characteristics.

    Parameters
    ----------
    panel : DataFrame or PartitionedPanel
        Canonical panel: ``date`` (datetime64), ``id`` and numeric columns; in memory, or a
        date-partitioned dataset on disk, read a block of dates at a time.
    ret_col : str
        The (excess) return column.
    chars : list of str, optional
        Characteristics; by default every numeric column except the return, the weight and
        a market-cap column (a note says which were used).
    weight_col : str, optional
        WLS weights (market cap): statsmodels ``WLS(y, Z, weights=w)``.
    top_pct : float, optional
        Keep only the largest ``top_pct`` percent of stocks by ``cap_col`` at each date.
    cap_col : str, optional
        Market cap for ``top_pct``: the weight column, else a column named like ``mcap``.
    winsorize : float, optional
        Clip each characteristic at its ``winsorize`` and ``1 - winsorize`` quantiles per date
        before standardizing (e.g. 0.01).
    constant : bool
        Add a constant (the chapter's regression has none).
    source : str
        Name used in messages (a dataset's folder name by default).
    """

    def __init__(
        self,
        panel: pd.DataFrame | PartitionedPanel | PanelSource,
        *,
        ret_col: str = "re",
        chars: list[str] | tuple[str, ...] | None = None,
        weight_col: str | None = None,
        top_pct: float | None = None,
        cap_col: str | None = None,
        winsorize: float | None = None,
        constant: bool = False,
        source: str = "panel",
    ) -> None:
        self.panel = as_source(panel, source)
        self.source = self.panel.name
        self.notes: list[str] = []
        self.setup = self._setup(ret_col, chars, weight_col, top_pct, cap_col, winsorize, constant)

    def _setup(
        self,
        ret_col: str,
        chars: list[str] | tuple[str, ...] | None,
        weight_col: str | None,
        top_pct: float | None,
        cap_col: str | None,
        winsorize: float | None,
        constant: bool,
    ) -> Setup:
        numeric = self.panel.numeric
        columns = list(numeric)
        for what, col in (("return", ret_col), ("weight", weight_col), ("market-cap", cap_col)):
            if col is not None and col not in columns:
                raise InputError(f"{self.source}: no {what} column {col!r}; columns are {', '.join(columns)}.")
        if top_pct is not None:
            if not 0 < top_pct <= 100:
                raise InputError(f"top percent must be above 0 and at most 100, not {top_pct:g}.")
            cap_col = cap_col or weight_col or next((c for c in columns if c.lower() in CAP_NAMES), None)
            if cap_col is None:
                raise InputError(
                    f"{self.source}: keeping the top {top_pct:g}% needs a market-cap column; name it "
                    "'mcap' or choose the market-cap column.",
                    option="cap_col",
                )
        else:
            cap_col = None
        if winsorize is not None and not 0 <= winsorize < 0.5:
            raise InputError(f"winsorizing percentile must be in [0, 50), not {100 * winsorize:g}.")
        if chars is None:
            taken = {ret_col, weight_col, cap_col}
            chars = [c for c in columns if c not in taken and c.lower() not in CAP_NAMES and numeric[c]]
            self.notes.append(
                f"characteristics: every numeric column except the return, weight and market cap ({', '.join(chars)})."
            )
        chars = list(dict.fromkeys(chars))
        unknown = [c for c in chars if c not in columns]
        if unknown:
            raise InputError(
                f"{self.source}: no characteristic column {unknown[0]!r}; columns are {', '.join(columns)}."
            )
        if not chars:
            raise InputError(f"{self.source}: no characteristic columns to regress on; choose some.", option="chars")
        if ret_col in chars:
            raise InputError(f"{self.source}: the return column {ret_col!r} cannot also be a characteristic.")
        for col in [ret_col, *chars, weight_col, cap_col]:
            if col is not None and not numeric[col]:
                raise InputError(f"{self.source}: column {col!r} is not numeric; fix it or leave it out.")
        return Setup(tuple(chars), ret_col, weight_col, cap_col, top_pct, winsorize, constant)

    def fit(self, *, nw_lags: int | None = None, engine: str = "local", **engine_options: Any) -> CrossSectionResults:
        """Estimate every date's regression and the Fama-MacBeth premia; see :meth:`fit_job`."""
        return jobs.run(self.fit_job(nw_lags=nw_lags, engine=engine, **engine_options))

    def fit_job(
        self, *, nw_lags: int | None = None, engine: str = "local", **engine_options: Any
    ) -> Job[CrossSectionResults]:
        """Per-date regressions, streamed a block of dates at a time.

        Parameters
        ----------
        nw_lags : int, optional
            Lags of the Newey-West t (default: the ``4 (T/100)^(2/9)`` rule).
        engine : {"local", "dask"}
            Where the blocks run: this process (default) or a Dask cluster.
        **engine_options
            ``block_dates`` (dates per block) for both; ``threads`` for ``local``;
            ``scheduler`` (address such as ``tcp://host:8786``; none starts a local cluster)
            and ``workers`` (of that local cluster) for ``dask``.
        """
        runner = make_engine(engine, **engine_options)
        raw = yield from _fit_dates(self.panel, self.setup, runner.sums(self.panel, self.setup))
        return CrossSectionResults.from_fit(self, raw, nw_lags=nw_lags, engine=runner.description)


def _fit_dates(source: PanelSource, setup: Setup, blocks: Any) -> Job[RawFit]:
    """Place every block's products by date (yielding progress), then solve each date."""
    n_dates, k = len(source.dates), len(setup.chars)
    kk = len(setup.regressors)
    products = np.zeros((n_dates, kk + 1, kk + 1))
    stats = DateStats.empty(n_dates, k)
    done = 0
    try:
        for block in blocks:
            t1 = block.t0 + len(block.products)
            products[block.t0 : t1] = block.products
            stats.put(block.t0, block.stats)
            done += t1 - block.t0
            yield Progress(0.95 * done / n_dates, f"cross-sections {done}/{n_dates} dates")
    finally:
        blocks.close()  # a cancelled job stops the engine's threads or tasks
    xtx, xty, yty = products[:, :kk, :kk], products[:, :kk, kk], products[:, kk, kk]
    params = np.full((n_dates, kk), np.nan)
    with one_blas_thread():
        skipped = _skipped(setup, stats, xtx)
        ok = np.ones(n_dates, dtype=bool)
        ok[list(skipped)] = False
        params[ok] = np.linalg.solve(xtx[ok], xty[ok][:, :, None])[:, :, 0]
    ssr = yty - np.einsum("tk,tk->t", params, xty)
    if setup.constant:  # centered (weighted) total sum of squares, as statsmodels with a constant
        with np.errstate(invalid="ignore", divide="ignore"):
            tss = yty - xty[:, 0] ** 2 / xtx[:, 0, 0]
    else:  # uncentered, as statsmodels without a constant
        tss = yty
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(ok, 1 - ssr / tss, np.nan)
    yield Progress(1.0, "done")
    return RawFit(params, r2, stats, skipped)


def _skipped(setup: Setup, stats: DateStats, xtx: np.ndarray) -> dict[int, str]:
    """Dates that cannot be estimated, with the reason shown to the user."""
    k = len(setup.chars)
    need = len(setup.regressors) + 1
    out: dict[int, str] = {}
    for t in np.flatnonzero(stats.n < need):
        out[int(t)] = f"{stats.n[t]} stocks with every characteristic; {k} characteristics need at least {need}"
    constant = ~(stats.std > 0)
    for t in np.flatnonzero(constant.any(axis=1)):
        if int(t) not in out:
            name = setup.chars[int(np.flatnonzero(constant[t])[0])]
            out[int(t)] = f"characteristic {name!r} is the same for every stock"
    rest = np.setdiff1d(np.arange(len(xtx)), list(out))
    for t in rest[_collinear(xtx[rest])]:
        out[int(t)] = "characteristics are collinear (one is a combination of the others)"
    return dict(sorted(out.items()))


def _collinear(xtx: np.ndarray) -> np.ndarray:
    """Which of these symmetric matrices have a condition number above the limit.

    ``trace(A) trace(A^-1)`` bounds the condition number of a positive definite ``A`` from
    above, and an inverse costs a fraction of an eigendecomposition: only the few matrices
    whose bound is over the limit get their eigenvalues computed.
    """
    if not len(xtx):
        return np.zeros(0, dtype=bool)
    try:
        with np.errstate(invalid="ignore", over="ignore"):
            inverse = np.linalg.inv(xtx)
            bound = np.trace(xtx, axis1=1, axis2=2) * np.trace(inverse, axis1=1, axis2=2)
        unsure = ~((bound > 0) & (bound < _COND_LIMIT / 2))  # margin for the inverse's error
    except np.linalg.LinAlgError:  # an exactly singular matrix among them
        unsure = np.ones(len(xtx), dtype=bool)
    out = np.zeros(len(xtx), dtype=bool)
    if unsure.any():
        eig = np.linalg.eigvalsh(xtx[unsure])
        out[unsure] = eig[:, 0] <= eig[:, -1] / _COND_LIMIT
    return out
