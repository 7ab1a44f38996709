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

__all__ = ["rolling_betas", "window_sums", "solve_spd"]

# Series per block: keeps each thread's T×block×k work buffers near 45 MB for 6,300 rows.
_BLOCK = 128
_THREADS = max(1, min(4, os.cpu_count() or 1))
# Windows with their own X'X solved per vectorized batch: small enough that every
# temporary vector stays in cache and on the heap (large temporaries cost page faults).
_GAP_CHUNK = 4096


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
        buffers.put(_Buffers.allocate(t_len, min(_BLOCK, m), k))

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
    _cumsum_rows(values)
    out[:window] = values[:window]
    np.subtract(values[window:], values[:-window], out=out[window:])
    return out


def _cumsum_rows(values: np.ndarray) -> None:
    """In-place cumulative sum down axis 0.

    For wide rows a loop of row additions is about three times faster than ``np.cumsum``
    along axis 0, whose inner loop strides down a column instead of adding whole rows.
    """
    rows = values.reshape(len(values), -1)
    if rows.shape[1] < 256:
        np.cumsum(rows, axis=0, out=rows)
        return
    for r in range(1, len(rows)):
        np.add(rows[r], rows[r - 1], out=rows[r])


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
    """What every series shares: regressors with missing rows zeroed, cumulative sums of their
    outer products, and each window's ``X'X`` inverse (NaN where no fit is possible)."""

    x0: np.ndarray  # T×k
    rows_ok: np.ndarray  # T
    outer: np.ndarray  # T×k², x_t x_t' flattened
    cum_outer: np.ndarray  # k²×(T+1), sums of outer over the rows before each index
    xtx_inv: np.ndarray  # T×k×k

    @classmethod
    def build(cls, x: np.ndarray, window: int, min_nobs: int) -> _Shared:
        t_len, k = x.shape
        rows_ok = np.isfinite(x).all(axis=1)
        x0 = np.where(rows_ok[:, None], x, 0.0)
        outer = (x0[:, :, None] * x0[:, None, :]).reshape(t_len, k * k)
        cum_outer = np.zeros((k * k, t_len + 1))
        np.cumsum(outer.T, axis=1, out=cum_outer[:, 1:])
        xtx = window_sums(outer, window)
        fits = window_sums(rows_ok.astype(np.int64), window) >= min_nobs
        fits[: window - 1] = False
        xtx_inv = np.full((t_len, k, k), np.nan)
        xtx_inv[fits] = _inverse(xtx[fits].reshape(-1, k, k))
        return cls(x0, rows_ok, outer, cum_outer, xtx_inv)


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
        big = [np.empty((t_len, cols, k)) for _ in range(3)]
        small = [np.empty((t_len, cols), dtype=np.int32) for _ in range(3)]
        return cls(*big, *small)

    def narrow(self, c: int) -> _Buffers:
        """Buffers for a block of only ``c`` series (the last block)."""
        return _Buffers(*(a[:, :c].copy() for a in vars(self).values()))


def _fit_block(y: np.ndarray, shared: _Shared, window: int, min_nobs: int, buf: _Buffers, out: np.ndarray) -> None:
    """Fill ``out`` (T×c×k, a view of the result) for one block of c series."""
    if y.shape[1] < buf.products.shape[1]:
        buf = buf.narrow(y.shape[1])
    valid = np.isfinite(y)
    valid &= shared.rows_ok[:, None]
    np.multiply(np.where(valid, y, 0.0)[:, :, None], shared.x0[:, None, :], out=buf.products)
    xty = window_sums(buf.products, window, buf.xty)
    np.copyto(buf.counts, valid)
    fit = window_sums(buf.counts, window, buf.nobs) >= min_nobs
    fit[: window - 1] = False
    span = _Span.of(valid)
    interior = span.interior_missing(valid, shared.rows_ok)
    np.copyto(buf.counts, interior)
    gapped = window_sums(buf.counts, window, buf.gaps) > 0
    rows = np.arange(len(y))[:, None]
    own = (rows - window + 1 < span.first) | (rows > span.last)  # window beyond the series' span
    own |= gapped
    own &= fit
    params = np.matmul(xty, shared.xtx_inv, out=buf.params)  # right for every gap-free window
    params *= np.where(fit, 1.0, np.nan)[:, :, None]
    t_own, s_own = np.nonzero(own)
    events = _Events.of(interior, shared.outer, window)
    k = shared.x0.shape[1]
    for lo in range(0, len(t_own), _GAP_CHUNK):
        t, s = t_own[lo : lo + _GAP_CHUNK], s_own[lo : lo + _GAP_CHUNK]
        xtx = span.window_xtx(shared.cum_outer, window, t, s)
        inner = np.flatnonzero(gapped[t, s])
        xtx[:, inner] -= events.sums(t[inner], s[inner])
        params[t, s] = solve_spd(xtx.reshape(k, k, -1), xty[t, s].T).T
    out[...] = params


@dataclass(frozen=True)
class _Span:
    """First and last row where each series of a block has a value (-1 and -2 when none)."""

    first: np.ndarray  # c
    last: np.ndarray  # c

    @classmethod
    def of(cls, valid: np.ndarray) -> _Span:
        any_value = valid.any(axis=0)
        first = np.where(any_value, valid.argmax(axis=0), -1)
        last = np.where(any_value, len(valid) - 1 - valid[::-1].argmax(axis=0), -2)
        return cls(first, last)

    def interior_missing(self, valid: np.ndarray, rows_ok: np.ndarray) -> np.ndarray:
        """Missing cells between a series' first and last value (on rows with regressors)."""
        rows = np.arange(len(valid))[:, None]
        return ~valid & rows_ok[:, None] & (rows > self.first) & (rows < self.last)

    def window_xtx(self, cum_outer: np.ndarray, window: int, t: np.ndarray, s: np.ndarray) -> np.ndarray:
        """``X'X`` (k²×n) over each (row, series) window clipped to the series' span, gaps included."""
        lo = np.maximum(t - window + 1, self.first[s])
        hi = np.minimum(t, self.last[s]) + 1
        return cum_outer[:, hi] - cum_outer[:, lo]


@dataclass(frozen=True)
class _Events:
    """Cumulative sums of x_r x_r' over marked (row, series) cells only, in series-then-row
    order, so that any window's sum over its marked cells is a difference of two columns."""

    keys: np.ndarray  # series * (T+1) + row, sorted
    csum: np.ndarray  # k²×(cells+1)
    stride: int
    window: int

    @classmethod
    def of(cls, cells: np.ndarray, outer: np.ndarray, window: int) -> _Events:
        stride = cells.shape[0] + 1
        s_cell, r_cell = np.nonzero(cells.T)
        csum = np.zeros((outer.shape[1], len(r_cell) + 1))
        np.cumsum(outer[r_cell], axis=0, out=csum[:, 1:].T)
        return cls(s_cell * stride + r_cell, csum, stride, window)

    def sums(self, t: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Σ x_r x_r' (k²×n) over the marked cells of each window ending at row t of series s."""
        base = s * self.stride + t
        hi = np.searchsorted(self.keys, base, side="right")
        lo = np.searchsorted(self.keys, base - self.window, side="right")
        return self.csum[:, hi] - self.csum[:, lo]


def _inverse(a: np.ndarray) -> np.ndarray:
    """Inverses of stacked matrices; an exactly singular one is NaN (statsmodels skips it)."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.stack([_inverse(m[None])[0] if len(a) > 1 else np.full_like(m, np.nan) for m in a])


def solve_spd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve many small symmetric positive definite systems ``a[:, :, i] @ x[:, i] = b[:, i]``.

    ``a`` is k×k×n and ``b`` k×n (entries first, so that each is one contiguous vector over
    the n systems): Cholesky runs vectorized across systems, one column of the factor per
    numpy operation, so a million 7×7 solves take a few dozen operations instead of a
    million LAPACK calls. A singular or indefinite matrix gives NaN, as statsmodels gives
    for a singular window.
    """
    k = a.shape[0]
    low = np.zeros_like(a)
    z = np.array(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(k):
            d = a[j, j] - (low[j, :j] ** 2).sum(axis=0)
            low[j, j] = np.sqrt(np.where(d > 0, d, np.nan))
            below = a[j + 1 :, j] - (low[j + 1 :, :j] * low[j, :j]).sum(axis=1)
            low[j + 1 :, j] = below / low[j, j]
        for i in range(k):  # forward: L z = b
            z[i] = (z[i] - (low[i, :i] * z[:i]).sum(axis=0)) / low[i, i]
        for i in reversed(range(k)):  # back: L' x = z
            z[i] = (z[i] - (low[i + 1 :, i] * z[i + 1 :]).sum(axis=0)) / low[i, i]
    return z
