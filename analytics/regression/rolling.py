"""Rolling OLS betas of many series on one regressor matrix, from shared windowed sums.

Why not a loop of statsmodels ``RollingOLS``: 3,000 stocks × 6,300 days is 19 million
windows, and every stock shares the factors. Window sums of ``X'X`` come from running sums
of the factor outer products and are inverted once per date for all series; window sums
of ``X'y`` come from running sums of ``x_t y_t`` per block of series. A (date, series)
window with no missing return therefore costs one small matrix product. Only windows where
the series has gaps (late listing, delisting, scattered missing days) need their own
``X'X``: the shared sum minus the outer products of the series' missing days, taken from
running sums over those missing cells only, then one batched solve. Blocks of series run
on a few threads (numpy releases the GIL) with work buffers reused between blocks.

Why the digits hold: a window's sum is a difference of running sums, whose rounding grows
with their size and length. So (1) when ``x`` has an intercept column, every other regressor
is centered on its overall mean and every series on its own mean before any product is
formed (the intercept is put back from the means at the end): sums of centered products stay
small, where gross returns (1 + r) or factors in levels would make them large and cancel;
(2) the running sums restart every :func:`restart_rows` rows (several windows), so their
rounding is that of a few hundred terms however long the sample. Uncentered running sums over
6,300 days of gross returns gave the market beta a median relative error of 8e-12 in the first
500 windows and 3e-10 in the last 500 (with factors + 1000: 6e-6 and 5e-4); now about 1e-15 in
both, against windows refitted from scratch. (3) A window whose regressors do not determine the
loadings, one's R² on the intercept and the others above ``design.MAX_R2`` (constant in
the window, collinear, or its mean 1e5 times its spread), is NaN and flagged in
:attr:`RollingFit.ill_conditioned`, rather than rounding passed off as a beta.

Semantics equal ``statsmodels.regression.rolling.RollingOLS(y, x, window, min_nobs=...,
missing="drop").fit(params_only=True)`` (not ``expanding``): the estimate at row ``t`` uses
rows ``t-window+1 .. t`` where both the series and every regressor are present; rows before
``window-1`` are NaN; a window with fewer than ``min_nobs`` such rows is NaN, and so is one
flagged ill-conditioned (statsmodels returns rounding there). Non-finite values (NaN or ±inf)
count as missing (statsmodels would let an infinity through). Agreement is 1e-8 relative
(tests and ``bench/run.py rolling_betas``).
"""

from __future__ import annotations

import os
import queue
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from analytics.errors import InputError
from analytics.jobs import Job, Progress
from analytics.regression.design import MAX_R2, r2_text

__all__ = ["ILL_CONDITIONED", "RollingFit", "restart_rows", "rolling_betas", "rolling_fit", "solve_spd", "window_sums"]

# Series per block: keeps each thread's T×block×k work buffers near 45 MB for 6,300 rows.
_BLOCK = 128
_THREADS = max(1, min(4, os.cpu_count() or 1))
# Windows with their own X'X solved per vectorized batch: small enough that every
# temporary vector stays in cache and on the heap (large temporaries cost page faults).
_GAP_CHUNK = 4096
# Running sums restart at least every this many rows, and at most every four windows.
_RESTART = 512
# Seconds between progress reports while blocks run (how soon a cancel is noticed).
_TICK = 0.1

#: Why a window flagged in :attr:`RollingFit.ill_conditioned` has no coefficients.
ILL_CONDITIONED = (
    f"the factors are (nearly) collinear within the window (one's R² on the others above "
    f"{r2_text(MAX_R2)}), so its loadings are left empty"
)


@dataclass(frozen=True)
class RollingFit:
    """Rolling coefficients and the windows left empty because their factors were collinear."""

    params: np.ndarray  # T×m×k, NaN where there is no estimate
    ill_conditioned: np.ndarray  # T×m, True where enough rows were there but the factors collinear


def rolling_betas(y: np.ndarray, x: np.ndarray, window: int, min_nobs: int | None = None) -> Job[np.ndarray]:
    """Rolling OLS coefficients of every column of ``y`` (T×m) on ``x`` (T×k, constant included).

    Returns a T×m×k array: ``out[t, j]`` holds series ``j``'s coefficients over the window
    ending at row ``t`` (NaN where there is none; see the module docstring). ``min_nobs``
    defaults to k, as in statsmodels. :func:`rolling_fit` also says which windows were
    left empty for collinear factors.
    """
    fit = yield from rolling_fit(y, x, window, min_nobs)
    return fit.params


def rolling_fit(y: np.ndarray, x: np.ndarray, window: int, min_nobs: int | None = None) -> Job[RollingFit]:
    """:func:`rolling_betas` with the windows flagged as ill-conditioned."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    t_len, k = x.shape
    min_nobs = k if min_nobs is None else int(min_nobs)
    _check(y, x, window, min_nobs)
    shared = _Shared.build(x, window, min_nobs)
    m = y.shape[1]
    # Series-major memory seen as T×m×k: a block's columns are one span that only its own task
    # touches, so the first block does not fault in the whole array (a cancel waits for it).
    out = np.empty((m, t_len, k)).transpose(1, 0, 2)
    ill = np.zeros((m, t_len), dtype=bool).T
    blocks = [slice(lo, min(m, lo + _BLOCK)) for lo in range(0, m, _BLOCK)]
    buffers: queue.SimpleQueue[_Buffers] = queue.SimpleQueue()
    for _ in range(min(_THREADS, len(blocks))):
        buffers.put(_Buffers.allocate(t_len, min(_BLOCK, m), k))

    def task(cols: slice) -> None:
        buf = buffers.get()
        try:
            _fit_block(y[:, cols], shared, window, min_nobs, buf, out[:, cols], ill[:, cols])
        finally:
            buffers.put(buf)

    pool = ThreadPoolExecutor(max_workers=_THREADS)
    pending, done = {pool.submit(task, b) for b in blocks}, 0
    try:
        while pending:
            # A report at least every _TICK seconds, so that a cancel is seen at once.
            finished, pending = wait(pending, timeout=_TICK, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()
            done += len(finished)
            yield Progress(done / len(blocks), f"rolling betas {min(m, done * _BLOCK)}/{m} series")
    finally:  # cancelled: drop the blocks not started; those running finish on their own
        pool.shutdown(wait=False, cancel_futures=True)
    return RollingFit(out, ill)


def restart_rows(window: int) -> int:
    """How often the running sums behind windows of ``window`` rows restart: every few hundred
    rows, and never within fewer rows than a window (a window then spans at most one restart)."""
    return max(_RESTART, 4 * window)


def window_sums(values: np.ndarray, window: int, out: np.ndarray | None = None) -> np.ndarray:
    """Sums over the trailing ``window`` rows (fewer at the start) along axis 0.

    They are differences of running sums that restart every :func:`restart_rows` rows, with
    the previous run's total added back for the windows that straddle a restart, so their
    rounding does not grow with the number of rows. ``values`` is overwritten with its running
    sums when ``out`` is given (the reused-buffer path); otherwise it is left alone.
    """
    if out is None:
        values, out = values.copy(), np.empty_like(values)
    every = restart_rows(window)
    _cumsum_rows(values, every)
    out[:window] = values[:window]
    np.subtract(values[window:], values[:-window], out=out[window:])
    for start in range(every, len(values), every):  # windows reaching back into the previous run
        out[start : start + window] += values[start - 1]
    return out


def _cumsum_rows(values: np.ndarray, every: int) -> None:
    """In-place running sums down axis 0, restarting at every multiple of ``every`` rows.

    For wide rows a loop of row additions is about three times faster than ``np.cumsum``
    along axis 0, whose inner loop strides down a column instead of adding whole rows.
    """
    rows = values.reshape(len(values), int(np.prod(values.shape[1:])))
    if rows.shape[1] < 256:
        for lo in range(0, len(rows), every):
            np.cumsum(rows[lo : lo + every], axis=0, out=rows[lo : lo + every])
        return
    for r in range(1, len(rows)):
        if r % every:
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
class _RangeSums:
    """Sums of any run of at most ``every`` consecutive rows of a table, from running sums that
    restart every ``every`` rows (so their rounding is that of ``every`` terms at most).

    Stored transposed (columns × rows), so that gathering many runs reads contiguous vectors.
    """

    prefix: np.ndarray  # q×(N+1): sum of the rows from the last restart up to (not incl.) each index
    totals: np.ndarray  # q×(runs): sum of each run of ``every`` rows
    every: int

    @classmethod
    def of(cls, values: np.ndarray, every: int) -> _RangeSums:
        runs = np.array(values, dtype=float)
        _cumsum_rows(runs, every)
        prefix = np.zeros((runs.shape[1], len(runs) + 1))
        prefix[:, 1:] = runs.T
        prefix[:, ::every] = 0.0
        ends = np.minimum(np.arange(every, len(runs) + every, every), len(runs)) - 1
        return cls(prefix, runs[ends].T, every)

    def between(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Sums (q×n) of rows ``lo .. hi-1`` for n pairs, each ``hi - lo <= every``."""
        out = self.prefix[:, hi] - self.prefix[:, lo]
        across = hi // self.every > lo // self.every
        out[:, across] += self.totals[:, lo[across] // self.every]
        sums: np.ndarray = out
        return sums


@dataclass(frozen=True)
class _Shared:
    """What every series shares: the regressors (centered when there is an intercept) with
    missing rows zeroed, running sums of their outer products, and each window's ``X'X``
    inverse (NaN where no fit is possible or the window is ill-conditioned)."""

    x0: np.ndarray  # T×k
    rows_ok: np.ndarray  # T
    intercept: int | None  # column of x that is constant (the intercept), if any
    to_raw: np.ndarray  # k×k, coefficients of x from those of the centered regressors (b = M θ)
    outer: np.ndarray  # T×k², x_t x_t' flattened
    outer_sums: _RangeSums
    xtx_inv: np.ndarray  # T×k×k, (X'X)^-1 M': a window's X'y times it gives its coefficients of x
    ill: np.ndarray  # T, windows with enough rows whose regressors are collinear

    @classmethod
    def build(cls, x: np.ndarray, window: int, min_nobs: int) -> _Shared:
        t_len, k = x.shape
        rows_ok = np.isfinite(x).all(axis=1)
        intercept = _intercept(x, rows_ok)
        origin = np.zeros(k)
        if intercept is not None:
            origin = x[rows_ok].mean(axis=0)
            origin[intercept] = 0.0
        x0 = np.where(rows_ok[:, None], x - origin, 0.0)
        outer = (x0[:, :, None] * x0[:, None, :]).reshape(t_len, k * k)
        xtx = window_sums(outer, window)
        fits = window_sums(rows_ok.astype(np.int64), window) >= min_nobs
        fits[: window - 1] = False
        a = np.ascontiguousarray(xtx[fits].T).reshape(k, k, -1)
        ok = _determined(a, _cholesky(a), intercept)
        to_raw = np.eye(k)
        if intercept is not None:  # intercept of x = that of the centered data - origin'β
            to_raw[intercept] -= origin
        xtx_inv = np.full((t_len, k, k), np.nan)
        rows = np.flatnonzero(fits)[ok]
        xtx_inv[rows] = _inverse(a[:, :, ok].transpose(2, 0, 1)) @ to_raw.T
        ill = np.zeros(t_len, dtype=bool)
        ill[np.flatnonzero(fits)[~ok]] = True
        return cls(x0, rows_ok, intercept, to_raw, outer, _RangeSums.of(outer, restart_rows(window)), xtx_inv, ill)


def _intercept(x: np.ndarray, rows_ok: np.ndarray) -> int | None:
    """The first column that is one nonzero constant on every complete row (the intercept)."""
    rows = x[rows_ok]
    if not len(rows):
        return None
    flat = np.flatnonzero((rows == rows[0]).all(axis=0) & (rows[0] != 0))
    return int(flat[0]) if len(flat) else None


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


def _fit_block(
    y: np.ndarray,
    shared: _Shared,
    window: int,
    min_nobs: int,
    buf: _Buffers,
    out: np.ndarray,
    ill: np.ndarray,
) -> None:
    """Fill ``out`` (T×c×k) and ``ill`` (T×c), views of the result, for one block of c series."""
    if y.shape[1] < buf.products.shape[1]:
        buf = buf.narrow(y.shape[1])
    valid = np.isfinite(y)
    valid &= shared.rows_ok[:, None]
    centered = np.where(valid, y, 0.0)
    level = np.zeros(y.shape[1])
    if shared.intercept is not None:  # center each series on its own mean (put back at the end)
        level = centered.sum(axis=0) / np.maximum(valid.sum(axis=0), 1)
        centered -= level
        centered *= valid
    np.multiply(centered[:, :, None], shared.x0[:, None, :], out=buf.products)
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
    ill[...] = shared.ill[:, None] & fit & ~own
    t_own, s_own = np.nonzero(own)
    events = _Events.of(interior, shared.outer, window)
    k = shared.x0.shape[1]
    for lo in range(0, len(t_own), _GAP_CHUNK):
        t, s = t_own[lo : lo + _GAP_CHUNK], s_own[lo : lo + _GAP_CHUNK]
        xtx = span.window_xtx(shared.outer_sums, window, t, s)
        inner = np.flatnonzero(gapped[t, s])
        xtx[:, inner] -= events.sums_for(t[inner], s[inner])
        solved, ok = solve_spd(xtx.reshape(k, k, -1), xty[t, s].T, shared.intercept)
        params[t, s] = (shared.to_raw @ solved).T
        ill[t, s] = ~ok
    if shared.intercept is not None:  # the series' mean, taken out before the products
        params[:, :, shared.intercept] += level
    np.multiply(params, np.where(fit, 1.0, np.nan)[:, :, None], out=out)


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
        missing: np.ndarray = ~valid & rows_ok[:, None] & (rows > self.first) & (rows < self.last)
        return missing

    def window_xtx(self, sums: _RangeSums, window: int, t: np.ndarray, s: np.ndarray) -> np.ndarray:
        """``X'X`` (k²×n) over each (row, series) window clipped to the series' span, gaps included."""
        lo = np.maximum(t - window + 1, self.first[s])
        hi = np.minimum(t, self.last[s]) + 1
        return sums.between(lo, hi)


@dataclass(frozen=True)
class _Events:
    """Running sums of x_r x_r' over marked (row, series) cells only, in series-then-row
    order, so that any window's sum over its marked cells is a difference of two of them."""

    keys: np.ndarray  # series * (T+1) + row, sorted
    sums: _RangeSums
    stride: int
    window: int

    @classmethod
    def of(cls, cells: np.ndarray, outer: np.ndarray, window: int) -> _Events:
        stride = cells.shape[0] + 1
        s_cell, r_cell = np.nonzero(cells.T)
        return cls(s_cell * stride + r_cell, _RangeSums.of(outer[r_cell], restart_rows(window)), stride, window)

    def sums_for(self, t: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Σ x_r x_r' (k²×n) over the marked cells of each window ending at row t of series s."""
        base = s * self.stride + t
        hi = np.searchsorted(self.keys, base, side="right")
        lo = np.searchsorted(self.keys, base - self.window, side="right")
        return self.sums.between(lo, hi)


def _inverse(a: np.ndarray) -> np.ndarray:
    """Inverses of stacked symmetric positive definite matrices (n×k×k), equilibrated first
    (scaled to a unit diagonal), so a factor in other units costs no digits."""
    scale = 1.0 / np.sqrt(np.diagonal(a, axis1=1, axis2=2))
    inv = np.linalg.inv(a * scale[:, :, None] * scale[:, None, :])
    scaled: np.ndarray = inv * scale[:, :, None] * scale[:, None, :]
    return scaled


def _determined(a: np.ndarray, low: np.ndarray, intercept: int | None) -> np.ndarray:
    """Whether each window's regressors determine its loadings (n booleans).

    ``a`` holds the windows' cross-products (k×k×n, intercept included) and ``low`` their
    Cholesky factors. Eliminating the intercept first, ``low[j, j]²`` is what is left of
    regressor j's sum of squares after the intercept and the regressors before it, so its
    ratio to j's centered sum of squares is 1 - R² of j on them; every one must stay above
    1 - MAX_R2, as must each centered sum of squares against the uncentered one (a regressor
    whose window mean dwarfs its spread is collinear with the intercept).
    """
    k = a.shape[0]
    if intercept not in (None, 0):  # the Cholesky factor must eliminate the intercept first
        order = [intercept, *(j for j in range(k) if j != intercept)]
        a = a[order][:, order]
        low = _cholesky(a)
    diag = np.diagonal(a).T  # k×n
    pivots = np.diagonal(low).T ** 2
    floor = 1 - MAX_R2
    with np.errstate(invalid="ignore", divide="ignore"):
        if intercept is None:
            ok = pivots >= floor * diag
        else:
            centered = diag[1:] - a[0, 1:] ** 2 / a[0, 0]
            ok = (centered >= floor * diag[1:]) & (pivots[1:] >= floor * centered) & (a[0, 0] > 0)
    return np.asarray(ok.all(axis=0))


def _cholesky(a: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of many small symmetric matrices (k×k×n, entries first); NaN
    from the first column where a matrix is not positive definite.

    Vectorized across matrices, one column of the factor per numpy operation, so a million
    7×7 factorizations take a few dozen operations instead of a million LAPACK calls.
    """
    k = a.shape[0]
    low = np.zeros_like(a)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(k):
            d = a[j, j] - np.einsum("in,in->n", low[j, :j], low[j, :j])
            low[j, j] = np.sqrt(np.where(d > 0, d, np.nan))
            below = a[j + 1 :, j] - np.einsum("ijn,jn->in", low[j + 1 :, :j], low[j, :j])
            low[j + 1 :, j] = below / low[j, j]
    return low


def _substitute(low: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``L L' x = b`` for many systems (``low`` k×k×n, ``b`` k×n)."""
    k = low.shape[0]
    z = np.array(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(k):  # forward: L z = b
            z[i] = (z[i] - np.einsum("in,in->n", low[i, :i], z[:i])) / low[i, i]
        for i in reversed(range(k)):  # back: L' x = z
            z[i] = (z[i] - np.einsum("in,in->n", low[i + 1 :, i], z[i + 1 :])) / low[i, i]
    return z


def solve_spd(a: np.ndarray, b: np.ndarray, intercept: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Solve many small normal-equation systems ``a[:, :, i] @ x[:, i] = b[:, i]``.

    ``a`` is k×k×n and ``b`` k×n (entries first, so that each is one contiguous vector over
    the n systems). Returns the solutions (k×n) and whether each system's regressors
    determine it (``intercept``: the column of ``a`` that is the intercept, see
    :func:`_determined`); a system that does not, singular or nearly so, is NaN.
    """
    low = _cholesky(a)
    ok = _determined(a, low, intercept)
    return np.where(ok, _substitute(low, b), np.nan), ok
