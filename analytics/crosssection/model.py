"""Cross-sectional regressions of stock returns on standardized characteristics (section 13.9).

At every date the chapter regresses excess returns on z-scored characteristics, without a
constant: ``R = X b + e``, so each coefficient is the return of a "pure play" portfolio with
unit exposure to one characteristic and none to the others. ``CrossSectionModel(panel,
...).fit()`` does this for every date, with the chapter's fixes for the small-stock problem
(WLS by market cap, only the largest P% of stocks) and optional winsorizing and constant.

Why not a loop of statsmodels fits: 600 months of 4,000 stocks would take minutes. Rows are
sorted by date once; a block of dates is scattered into a padded dates × regressors × stocks
array whose missing cells are zero, and every date's ``Z'Z`` and ``Z'y`` come out of one
batched matrix product. The coefficients, n and R² equal statsmodels' OLS/WLS per date to
1e-8 (the tests and ``bench/run.py crosssection_fm`` check it). Characteristics are used as
given at each date: lagging them (no look-ahead) is the user's job.
"""

from __future__ import annotations

import ctypes
import glob
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics import jobs
from analytics.errors import InputError
from analytics.jobs import Job, Progress

if TYPE_CHECKING:
    from analytics.crosssection.results import CrossSectionResults

__all__ = [
    "CrossSectionModel", "Setup", "PanelArrays", "DateStats", "RawFit", "CAP_NAMES", "standardize", "rule_of_thumb_lags",
]

#: Market-cap columns found by name (ranking for ``top_pct``; never a characteristic by default).
CAP_NAMES = ("mcap", "me", "market_cap", "marketcap", "mktcap", "cap")
# Cells per padded block (dates × regressors × stocks): about 4 MB, so a block stays in cache
# through the few passes made over it.
_BLOCK_CELLS = 512 * 1024
# Above this condition number of a date's Z'Z its characteristics count as collinear.
_COND_LIMIT = 1e12


@dataclass(frozen=True)
class Setup:
    """What is regressed on what, and how: the options of one cross-sectional model."""

    chars: tuple[str, ...]
    ret_col: str
    weight_col: str | None = None
    cap_col: str | None = None
    top_pct: float | None = None
    winsorize: float | None = None
    constant: bool = False

    @property
    def regressors(self) -> tuple[str, ...]:
        """Coefficient names in order: ``const`` first when there is one."""
        return ("const", *self.chars) if self.constant else self.chars

    @property
    def description(self) -> str:
        """``WLS (weights mcap), top 20% by mcap, winsorized at 1%, no constant``."""
        parts = [f"WLS (weights {self.weight_col})" if self.weight_col else "OLS"]
        if self.top_pct is not None:
            parts.append(f"top {self.top_pct:g}% by {self.cap_col}")
        if self.winsorize is not None:
            parts.append(f"winsorized at {100 * self.winsorize:g}%/{100 * (1 - self.winsorize):g}%")
        parts.append("with constant" if self.constant else "no constant")
        return ", ".join(parts)


@dataclass(frozen=True)
class PanelArrays:
    """The panel's columns as float arrays, rows sorted by date, and where each date starts."""

    dates: pd.DatetimeIndex
    starts: np.ndarray  # T + 1 row offsets
    ids: np.ndarray  # object, one per row
    y: np.ndarray
    x: tuple[np.ndarray, ...]  # one array per characteristic
    weight: np.ndarray | None
    cap: np.ndarray | None

    def rows(self, t: int) -> slice:
        """Rows of date number ``t``."""
        return slice(int(self.starts[t]), int(self.starts[t + 1]))

    def date_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """Date number of each row position."""
        return np.searchsorted(self.starts, rows, side="right") - 1


@dataclass(frozen=True)
class DateStats:
    """Per date: sample size, the standardization and the filters, so any row's z-score and
    membership can be recomputed exactly (pure-play weights, portfolio exposures)."""

    n: np.ndarray  # T
    mean: np.ndarray  # T × k, after winsorizing
    std: np.ndarray  # T × k
    lower: np.ndarray  # T × k winsorizing bounds (-inf when not winsorized)
    upper: np.ndarray  # T × k
    cutoff: np.ndarray  # T, smallest market cap kept (-inf without top_pct)


def standardize(x: np.ndarray, stats: DateStats, t: np.ndarray) -> np.ndarray:
    """z-scores of raw characteristics ``x`` (rows × k) observed at date numbers ``t``."""
    clipped = np.clip(x, stats.lower[t], stats.upper[t])
    return (clipped - stats.mean[t]) / stats.std[t]


class CrossSectionModel:
    """Per-date regressions of a return column on z-scored characteristics.

    Parameters
    ----------
    panel : DataFrame
        Canonical panel: ``date`` (datetime64), ``id`` and numeric columns.
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
        Name used in messages.
    """

    def __init__(
        self,
        panel: pd.DataFrame,
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
        self.source = source
        self.notes: list[str] = []
        self.setup = self._setup(panel, ret_col, chars, weight_col, top_pct, cap_col, winsorize, constant)
        self.data = _arrays(panel, self.setup, source)

    def _setup(
        self, panel: pd.DataFrame, ret_col: str, chars: list[str] | tuple[str, ...] | None, weight_col: str | None,
        top_pct: float | None, cap_col: str | None, winsorize: float | None, constant: bool,
    ) -> Setup:
        columns = [c for c in panel.columns if c not in ("date", "id")]
        for what, col in (("return", ret_col), ("weight", weight_col), ("market-cap", cap_col)):
            if col is not None and col not in columns:
                raise InputError(f"{self.source}: no {what} column {col!r}; columns are {', '.join(columns)}.")
        if top_pct is not None:
            if not 0 < top_pct <= 100:
                raise InputError(f"top percent must be above 0 and at most 100, not {top_pct:g}.")
            cap_col = cap_col or weight_col or next((c for c in columns if c.lower() in CAP_NAMES), None)
            if cap_col is None:
                raise InputError(f"{self.source}: keeping the top {top_pct:g}% needs a market-cap column; name it "
                                 "'mcap' or pass --weight-col.")
        else:
            cap_col = None
        if winsorize is not None and not 0 <= winsorize < 0.5:
            raise InputError(f"winsorizing percentile must be in [0, 50), not {100 * winsorize:g}.")
        if chars is None:
            chars = _default_chars(panel, columns, {ret_col, weight_col, cap_col})
            self.notes.append(f"characteristics: every numeric column except the return, weight and market cap "
                              f"({', '.join(chars)}).")
        chars = list(dict.fromkeys(chars))
        unknown = [c for c in chars if c not in columns]
        if unknown:
            raise InputError(f"{self.source}: no characteristic column {unknown[0]!r}; columns are "
                             f"{', '.join(columns)}.")
        if not chars:
            raise InputError(f"{self.source}: no characteristic columns to regress on; pass --chars.")
        if ret_col in chars:
            raise InputError(f"{self.source}: the return column {ret_col!r} cannot also be a characteristic.")
        for col in [ret_col, *chars, weight_col, cap_col]:
            if col is not None and not pd.api.types.is_numeric_dtype(panel[col]):
                raise InputError(f"{self.source}: column {col!r} is not numeric; fix it or leave it out.")
        return Setup(tuple(chars), ret_col, weight_col, cap_col, top_pct, winsorize, constant)

    def fit(self, *, nw_lags: int | None = None) -> CrossSectionResults:
        """Estimate every date's regression and the Fama-MacBeth premia; see :meth:`fit_job`."""
        return jobs.run(self.fit_job(nw_lags=nw_lags))

    def fit_job(self, *, nw_lags: int | None = None) -> Job[CrossSectionResults]:
        """Batched per-date regressions; ``nw_lags`` for the Newey-West t (default: the
        ``4 (T/100)^(2/9)`` rule)."""
        from analytics.crosssection.results import CrossSectionResults

        raw = yield from _fit_dates(self.data, self.setup)
        return CrossSectionResults.from_fit(self, raw, nw_lags=nw_lags)


def _default_chars(panel: pd.DataFrame, columns: list[str], taken: set[str | None]) -> list[str]:
    """Every numeric column that is not the return, the weight or a market cap."""
    return [c for c in columns if c not in taken and c.lower() not in CAP_NAMES
            and pd.api.types.is_numeric_dtype(panel[c])]


def _arrays(panel: pd.DataFrame, setup: Setup, source: str) -> PanelArrays:
    """Columns as float arrays (views when already float and sorted by date)."""
    if panel.empty:
        raise InputError(f"{source}: the panel has no rows.")
    dates = panel["date"].to_numpy(dtype="datetime64[ns]")
    order = None
    if np.any(dates[1:] < dates[:-1]):
        order = np.argsort(dates, kind="stable")
        dates = dates[order]

    def column(name: str | None) -> np.ndarray | None:
        if name is None:
            return None
        values = panel[name].to_numpy(dtype=float)
        return values if order is None else values[order]

    change = np.flatnonzero(dates[1:] != dates[:-1]) + 1
    starts = np.concatenate([[0], change, [len(dates)]])
    ids = panel["id"].to_numpy()
    return PanelArrays(
        dates=pd.DatetimeIndex(dates[starts[:-1]]), starts=starts, ids=ids if order is None else ids[order],
        y=column(setup.ret_col), x=tuple(column(c) for c in setup.chars),
        weight=column(setup.weight_col), cap=column(setup.cap_col),
    )


@dataclass(frozen=True)
class RawFit:
    """Per-date results for all T dates of the panel (NaN where a date was skipped)."""

    params: np.ndarray  # T × kk
    rsquared: np.ndarray  # T
    stats: DateStats
    skipped: dict[int, str]


def _fit_dates(data: PanelArrays, setup: Setup) -> Job[RawFit]:
    """All dates, a block of dates at a time; yields progress after each block."""
    n_dates, k = len(data.dates), len(setup.chars)
    kk = k + int(setup.constant)
    counts = np.diff(data.starts)
    per_block = max(1, _BLOCK_CELLS // max(1, kk * int(counts.max())))
    xtx, xty, yty = np.zeros((n_dates, kk, kk)), np.zeros((n_dates, kk)), np.zeros(n_dates)
    stats = DateStats(
        n=np.zeros(n_dates, dtype=int), mean=np.full((n_dates, k), np.nan), std=np.full((n_dates, k), np.nan),
        lower=np.full((n_dates, k), -np.inf), upper=np.full((n_dates, k), np.inf), cutoff=np.full(n_dates, -np.inf),
    )
    # One buffer reused by every block: a fresh 4 MB array per block costs its page faults.
    buffer = np.zeros(per_block * (kk + 3) * int(counts.max()))
    for t0 in range(0, n_dates, per_block):
        t1 = min(n_dates, t0 + per_block)
        with _one_blas_thread():
            _block(data, setup, t0, t1, stats, (xtx, xty, yty), buffer)
        yield Progress(0.95 * t1 / n_dates, f"cross-sections {t1}/{n_dates} dates")
    params = np.full((n_dates, kk), np.nan)
    with _one_blas_thread():
        skipped = _skipped(data, setup, stats, xtx)
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


def _block(
    data: PanelArrays, setup: Setup, t0: int, t1: int, stats: DateStats,
    sums: tuple[np.ndarray, np.ndarray, np.ndarray], buffer: np.ndarray,
) -> None:
    """Cross-products of dates ``t0:t1`` from a padded block whose missing cells are zero.

    Each date's rows are contiguous, so filling the block is plain slice copies; cells past
    a date's row count keep whatever the buffer held and are masked out.
    """
    xtx, xty, yty = sums
    spans = [data.rows(t) for t in range(t0, t1)]
    sizes = np.array([span.stop - span.start for span in spans])
    n_t, width = len(spans), int(sizes.max())
    k, c = len(setup.chars), int(setup.constant)
    cells = n_t * width
    z = buffer[: cells * (k + c)].reshape(n_t, k + c, width)
    extra = iter(buffer[cells * (k + c) + i * cells : cells * (k + c) + (i + 1) * cells].reshape(n_t, width)
                 for i in range(3))

    def pad(values: np.ndarray) -> np.ndarray:
        out = next(extra)
        for i, span in enumerate(spans):
            out[i, : sizes[i]] = values[span]
        return out

    for j, values in enumerate(data.x, start=c):  # loaders give contiguous columns: slice copies
        for i, span in enumerate(spans):
            z[i, j, : sizes[i]] = values[span]
    y = pad(data.y)
    chars = z[:, c:, :]
    # A sum over the characteristics is NaN when any of them is: one pass, no boolean temporary.
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN: not finite, as wanted
        valid = (np.arange(width) < sizes[:, None]) & np.isfinite(y) & np.isfinite(chars.sum(axis=1))
    if data.weight is not None:
        w = pad(data.weight)
        valid &= w > 0
    if data.cap is not None:
        cap = pad(data.cap)
        valid &= np.isfinite(cap)
        stats.cutoff[t0:t1] = _top_cutoff(cap, valid, setup.top_pct)
        valid &= cap >= stats.cutoff[t0:t1, None]
    n = valid.sum(axis=1)
    stats.n[t0:t1] = n
    if setup.winsorize is not None:
        lower, upper = _quantile_bounds(chars, valid, setup.winsorize)
        stats.lower[t0:t1], stats.upper[t0:t1] = lower, upper
        np.clip(chars, lower[:, :, None], upper[:, :, None], out=chars)
    out_t, out_n = np.nonzero(~valid)  # the (date, stock) cells outside the sample: few
    z[out_t, :, out_n] = 0.0
    y[out_t, out_n] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = chars.sum(axis=2) / n[:, None]
    chars -= mean[:, :, None]
    chars[out_t, :, out_n] = 0.0
    if c:
        z[:, 0, :] = valid
    if data.weight is not None:
        centered_ss = np.einsum("tkn,tkn->tk", chars, chars)
        root = np.sqrt(np.where(valid, w, 0.0))
        z *= root[:, None, :]
        y *= root
    gram = np.empty((len(spans), k + c, k + c))
    for i, date in enumerate(z):  # ``a @ a.T`` of one 2-D matrix is BLAS's syrk: half the work
        gram[i] = date @ date.T
    if data.weight is None:  # the centered sums of squares are on the diagonal already
        centered_ss = np.einsum("tkk->tk", gram[:, c:, c:])
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.sqrt(centered_ss / (n[:, None] - 1))
    stats.mean[t0:t1], stats.std[t0:t1] = mean, std
    # z-scores are the centered values over their std: scale the cross-products, not the data.
    scale = np.concatenate([np.ones((len(spans), c)), 1.0 / np.where(std > 0, std, 1.0)], axis=1)
    xtx[t0:t1] = gram * scale[:, :, None] * scale[:, None, :]
    xty[t0:t1] = (z @ y[:, :, None])[:, :, 0] * scale
    yty[t0:t1] = np.einsum("tn,tn->t", y, y)


@cache
def _openblas_local_threads() -> ctypes._CFuncPtr | None:
    """numpy's OpenBLAS ``openblas_set_num_threads_local``, if this build has it."""
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(folder, "libscipy_openblas*.so")):
        try:
            func = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        func.argtypes, func.restype = [ctypes.c_int], ctypes.c_int
        return func
    return None


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run this thread's BLAS calls on one thread.

    Why: the per-date products are small (31 × 4,000); OpenBLAS splits each over its threads
    and, on a busy machine, waits for them to be scheduled on every call, which made the fit
    five times slower. The setting is local to the calling thread; elsewhere this is a no-op.
    """
    func = _openblas_local_threads()
    previous = func(1) if func is not None else None
    try:
        yield
    finally:
        if func is not None:
            func(previous)


def _top_cutoff(cap: np.ndarray, valid: np.ndarray, top_pct: float | None) -> np.ndarray:
    """Per date, the smallest market cap among the ``ceil(n * top_pct / 100)`` largest."""
    if top_pct is None:
        return np.full(len(cap), -np.inf)
    ranked = np.sort(np.where(valid, cap, -np.inf), axis=1)
    n = valid.sum(axis=1)
    keep = np.maximum(1, np.ceil(n * top_pct / 100 - 1e-9).astype(int))
    return np.where(n > 0, ranked[np.arange(len(cap)), ranked.shape[1] - keep], np.inf)


def _quantile_bounds(x: np.ndarray, valid: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Per date and characteristic, the ``q`` and ``1 - q`` quantiles over valid stocks
    (numpy's default linear interpolation, as ``pandas.Series.quantile``)."""
    ranked = np.sort(np.where(valid[:, None, :], x, np.nan), axis=2)  # NaN sort last
    n = valid.sum(axis=1)[:, None, None]

    def quantile(p: float) -> np.ndarray:
        pos = p * (np.maximum(n, 1) - 1)
        below = np.floor(pos).astype(int)
        above = np.minimum(below + 1, np.maximum(n, 1) - 1)
        a = np.take_along_axis(ranked, below, axis=2)
        b = np.take_along_axis(ranked, above, axis=2)
        return (a + (b - a) * (pos - below))[:, :, 0]

    return quantile(q), quantile(1 - q)


def _skipped(data: PanelArrays, setup: Setup, stats: DateStats, xtx: np.ndarray) -> dict[int, str]:
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
    rest = np.setdiff1d(np.arange(len(data.dates)), list(out))
    if len(rest):
        eig = np.linalg.eigvalsh(xtx[rest])
        bad = eig[:, 0] <= eig[:, -1] / _COND_LIMIT
        for t in rest[bad]:
            out[int(t)] = "characteristics are collinear (one is a combination of the others)"
    return dict(sorted(out.items()))


def rule_of_thumb_lags(n_dates: int) -> int:
    """Newey and West's ``floor(4 (T/100)^(2/9))`` lags."""
    return int(math.floor(4 * (n_dates / 100) ** (2 / 9)))
