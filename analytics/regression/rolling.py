"""Rolling OLS betas of many series on one regressor matrix, from shared cumulative sums.

Why not a loop of statsmodels ``RollingOLS``: 3,000 stocks × 6,300 days is 19 million
windows, and every stock shares the factors. Window sums of ``X'X`` come from one cumulative
sum of the factor outer products and are inverted once per date for all series; window sums
of ``X'y`` come from cumulative sums of ``x_t y_t`` per block of series. A (date, series)
window with no missing return therefore costs one small matrix product. Only windows where
the series has gaps (late listing, delisting, scattered missing days) need their own
``X'X``: the shared sum minus the outer products of the series' missing days, taken from
cumulative sums over those missing cells only, then one batched solve. Blocks of series run
on a few threads (numpy releases the GIL) with work buffers reused between blocks.

Semantics equal ``statsmodels.regression.rolling.RollingOLS(y, x, window, min_nobs=...,
missing="drop").fit(params_only=True)`` (not ``expanding``): the estimate at row ``t`` uses
rows ``t-window+1 .. t`` where both the series and every regressor are present; rows before
``window-1`` are NaN; a window with fewer than ``min_nobs`` such rows, or an exactly singular
``X'X``, is NaN. Non-finite values (NaN or ±inf) count as missing (statsmodels would let an
infinity through). Agreement is 1e-8 relative (tests and ``bench/run.py rolling_betas``).
"""

from __future__ import annotations

import os
import queue
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from analytics.errors import InputError
from analytics.jobs import Job, Progress

__all__ = ["rolling_betas", "window_sums"]

# Series per block: keeps each thread's T×block×k work buffers near 45 MB for 6,300 rows.
_BLOCK = 128
# Gap windows solved per batched LAPACK call.
_SOLVE_BATCH = 65_536
_THREADS = max(1, min(4, os.cpu_count() or 1))


def rolling_betas(y: np.ndarray, x: np.ndarray, window: int, min_nobs: int | None = None) -> Job[np.ndarray]:
    """Rolling OLS coefficients of every column of ``y`` (T×m) on ``x`` (T×k, constant included).

    Returns a T×m×k array: ``out[t, j]`` holds series ``j``'s coefficients over the window
    ending at row ``t`` (NaN where there is none; see the module docstring). ``min_nobs``
    defaults to k, as in statsmodels.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    t_len, k = x.shape
    min_nobs = k if min_nobs is None else int(min_nobs)
    _check(y, x, window, min_nobs)
    shared = _Shared.build(x, window, min_nobs)
    m = y.shape[1]
    out = np.empty((t_len, m, k))
    blocks = [slice(lo, min(m, lo + _BLOCK)) for lo in range(0, m, _BLOCK)]
    buffers: queue.SimpleQueue[_Buffers] = queue.SimpleQueue()
    for _ in range(min(_THREADS, len(blocks))):
        buffers.put(_Buffers.allocate(t_len, _BLOCK, k))

    def task(cols: slice) -> None:
        buf = buffers.get()
        try:
            _fit_block(y[:, cols], shared, window, min_nobs, buf, out[:, cols])
        finally:
            buffers.put(buf)

    pool = ThreadPoolExecutor(max_workers=_THREADS)
    try:
        for done, future in enumerate(as_completed([pool.submit(task, b) for b in blocks]), 1):
            future.result()
            yield Progress(done / len(blocks), f"rolling betas {min(m, done * _BLOCK)}/{m} series")
    finally:  # cancelled: drop the blocks not started
        pool.shutdown(wait=True, cancel_futures=True)
    return out


def window_sums(values: np.ndarray, window: int, out: np.ndarray | None = None) -> np.ndarray:
    """Sums over the trailing ``window`` rows (fewer at the start) along axis 0.

    ``values`` is overwritten with its cumulative sum when ``out`` is given (the reused-buffer
    path); otherwise it is left alone.
    """
    if out is None:
        values, out = values.copy(), np.empty_like(values)
    np.cumsum(values, axis=0, out=values)
    out[:window] = values[:window]
    np.subtract(values[window:], values[:-window], out=out[window:])
    return out


def _check(y: np.ndarray, x: np.ndarray, window: int, min_nobs: int) -> None:
    """Refuse what statsmodels refuses, in one sentence each."""
    t_len, k = x.shape
    if y.shape[0] != t_len:
        raise InputError(f"rolling betas: {y.shape[0]} return rows but {t_len} factor rows; align them first.")
    if not 1 <= window <= t_len:
        raise InputError(f"rolling window {window} must be between 1 and the {t_len} periods of data.")
    if not k <= min_nobs <= window:
        raise InputError(
            f"minimum observations {min_nobs} must be at least the {k} parameters and at most the window {window}."
        )


@dataclass(frozen=True)
class _Shared:
    """What every series shares: regressors with missing rows zeroed, their outer products,
    and the window sums of ``X'X`` with their inverses (NaN where no fit is possible)."""

    x0: np.ndarray  # T×k
    rows_ok: np.ndarray  # T
    outer: np.ndarray  # T×k², x_t x_t' flattened
    xtx: np.ndarray  # T×k², window sums of outer
    xtx_inv: np.ndarray  # T×k×k

    @classmethod
    def build(cls, x: np.ndarray, window: int, min_nobs: int) -> _Shared:
        t_len, k = x.shape
        rows_ok = np.isfinite(x).all(axis=1)
        x0 = np.where(rows_ok[:, None], x, 0.0)
        outer = (x0[:, :, None] * x0[:, None, :]).reshape(t_len, k * k)
        xtx = window_sums(outer, window)
        fits = window_sums(rows_ok.astype(np.int64), window) >= min_nobs
        fits[: window - 1] = False
        xtx_inv = np.full((t_len, k, k), np.nan)
        xtx_inv[fits] = _inverse(xtx[fits].reshape(-1, k, k))
        return cls(x0, rows_ok, outer, xtx, xtx_inv)


@dataclass(frozen=True)
class _Buffers:
    """One thread's work arrays, reused for every block (fresh large arrays cost page faults)."""

    products: np.ndarray  # T×c×k
    xty: np.ndarray  # T×c×k
    params: np.ndarray  # T×c×k
    counts: np.ndarray  # T×c
    nobs: np.ndarray  # T×c
    gaps: np.ndarray  # T×c

    @classmethod
    def allocate(cls, t_len: int, cols: int, k: int) -> _Buffers:
        def big() -> np.ndarray:
            return np.empty((t_len, cols, k))

        def small() -> np.ndarray:
            return np.empty((t_len, cols), dtype=np.int32)

        return cls(big(), big(), big(), small(), small(), small())

    def view(self, c: int) -> _Buffers:
        """The first ``c`` series of every buffer (the last block may be narrower)."""
        return _Buffers(*(np.ascontiguousarray(a[:, :c]) if c < a.shape[1] else a for a in self.__dict__.values()))


def _fit_block(y: np.ndarray, shared: _Shared, window: int, min_nobs: int, buf: _Buffers, out: np.ndarray) -> None:
    """Fill ``out`` (T×c×k, a view of the result) for one block of c series."""
    c = y.shape[1]
    if c < buf.products.shape[1]:
        buf = buf.view(c)
    valid = np.isfinite(y)
    valid &= shared.rows_ok[:, None]
    missing = ~valid
    missing &= shared.rows_ok[:, None]
    np.multiply(np.where(valid, y, 0.0)[:, :, None], shared.x0[:, None, :], out=buf.products)
    xty = window_sums(buf.products, window, buf.xty)
    np.copyto(buf.counts, valid)
    nobs = window_sums(buf.counts, window, buf.nobs)
    np.copyto(buf.counts, missing)
    gaps = window_sums(buf.counts, window, buf.gaps)
    params = np.matmul(xty, shared.xtx_inv, out=buf.params)  # right for every gap-free window
    fit = nobs >= min_nobs
    fit[: window - 1] = False
    params[~fit] = np.nan
    t_gap, s_gap = np.nonzero(fit & (gaps > 0))
    if len(t_gap):
        k = shared.x0.shape[1]
        xtx = shared.xtx[t_gap] - _missing_sums(missing, shared.outer, window, t_gap, s_gap)
        params[t_gap, s_gap] = _solve(xtx.reshape(-1, k, k), xty[t_gap, s_gap])
    out[...] = params


def _missing_sums(
    missing: np.ndarray, outer: np.ndarray, window: int, t_gap: np.ndarray, s_gap: np.ndarray
) -> np.ndarray:
    """Σ x_r x_r' over each (row, series) window's missing rows, from sums over missing cells only."""
    stride = missing.shape[0] + 1
    s_miss, r_miss = np.nonzero(missing.T)  # sorted by series, then row
    keys = s_miss * stride + r_miss
    csum = np.zeros((len(keys) + 1, outer.shape[1]))
    np.cumsum(outer[r_miss], axis=0, out=csum[1:])
    base = s_gap * stride + t_gap
    hi = np.searchsorted(keys, base, side="right")
    lo = np.searchsorted(keys, base - window, side="right")
    return csum[hi] - csum[lo]


def _inverse(a: np.ndarray) -> np.ndarray:
    """Inverses of stacked matrices; an exactly singular one is NaN (statsmodels skips it)."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.stack([_inverse(m[None])[0] if len(a) > 1 else np.full_like(m, np.nan) for m in a])


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solves of a·β = b; an exactly singular system gives NaN, as in statsmodels."""
    out = np.empty_like(b)
    for lo in range(0, len(a), _SOLVE_BATCH):
        part = slice(lo, lo + _SOLVE_BATCH)
        try:
            out[part] = np.linalg.solve(a[part], b[part, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            out[part] = np.einsum("nij,nj->ni", _inverse(a[part]), b[part])
    return out
