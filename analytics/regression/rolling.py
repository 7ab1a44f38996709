"""Rolling OLS betas of many series on one regressor matrix, from shared cumulative sums.

Why not a loop of statsmodels ``RollingOLS``: 3,000 stocks × 6,300 days is 19 million
windows, and every stock shares the factors. Window sums of ``X'X`` come from one cumulative
sum of the factor outer products and are inverted once per date for all series; window sums
of ``X'y`` come from cumulative sums of ``x_t y_t`` per block of series. A (date, series)
window with no missing return therefore costs one small matrix product. Only windows where
the series has gaps (late listing, delisting, scattered missing days) need their own
``X'X``: the shared sum minus the outer products of the series' missing days, taken from
cumulative sums over those missing days only, then one batched solve.

Semantics equal ``statsmodels.regression.rolling.RollingOLS(y, x, window, min_nobs=...,
missing="drop").fit(params_only=True)`` (not ``expanding``): the estimate at row ``t`` uses
rows ``t-window+1 .. t`` where both the series and every regressor are present; rows before
``window-1`` are NaN; a window with fewer than ``min_nobs`` such rows, or an exactly singular
``X'X``, is NaN. Non-finite values (NaN or ±inf) count as missing (statsmodels would let an
infinity through). Agreement is 1e-8 relative (tests and ``bench/run.py rolling_betas``).
"""

from __future__ import annotations

import numpy as np

from analytics.errors import InputError
from analytics.jobs import Job, Progress

__all__ = ["rolling_betas", "window_sums"]

# Series per block: keeps the T×block×k work arrays near 50 MB for 6,300 daily rows.
_BLOCK = 128
# Gap windows solved per batched LAPACK call.
_SOLVE_BATCH = 65_536


def rolling_betas(y: np.ndarray, x: np.ndarray, window: int, min_nobs: int | None = None) -> Job[np.ndarray]:
    """Rolling OLS coefficients of every column of ``y`` (T×m) on ``x`` (T×k, constant included).

    Returns a T×m×k array: ``out[t, j]`` is series ``j``'s coefficients over the window ending
    at row ``t`` (NaN where there is none; see the module docstring). ``min_nobs`` defaults to k.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    t_len, k = x.shape
    min_nobs = k if min_nobs is None else int(min_nobs)
    _check(y, x, window, min_nobs)
    rows_ok = np.isfinite(x).all(axis=1)
    x0 = np.where(rows_ok[:, None], x, 0.0)
    iu = np.triu_indices(k)
    outer = (x0[:, iu[0]] * x0[:, iu[1]])  # T×q, the upper triangle of x_t x_t'
    shared = window_sums(outer, window)  # T×q, X'X over each window's present rows
    shared_inv = _inverse_all(_symmetric(shared, k, iu))
    out = np.full((t_len, y.shape[1], k), np.nan)
    m = y.shape[1]
    for lo in range(0, m, _BLOCK):
        hi = min(m, lo + _BLOCK)
        _fit_block(y[:, lo:hi], x0, rows_ok, outer, shared, shared_inv, window, min_nobs, iu, out[:, lo:hi])
        yield Progress(hi / m, f"rolling betas {hi}/{m} series")
    return out


def window_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sums over the trailing ``window`` rows (fewer at the start), for any trailing shape."""
    csum = np.cumsum(values, axis=0)
    out = csum.copy()
    out[window:] -= csum[:-window]
    return out


def _check(y: np.ndarray, x: np.ndarray, window: int, min_nobs: int) -> None:
    """Refuse arguments statsmodels refuses, in one sentence each."""
    t_len, k = x.shape
    if y.shape[0] != t_len:
        raise InputError(f"rolling betas: {y.shape[0]} return rows but {t_len} factor rows; align them first.")
    if not 1 <= window <= t_len:
        raise InputError(f"rolling window {window} must be between 1 and the {t_len} periods of data.")
    if not k <= min_nobs <= window:
        raise InputError(
            f"minimum observations {min_nobs} must be at least the {k} parameters and at most the window {window}."
        )


def _symmetric(tri: np.ndarray, k: int, iu: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Full k×k matrices from their stacked upper triangles (n×q -> n×k×k)."""
    full = np.empty((len(tri), k, k))
    full[:, iu[0], iu[1]] = tri
    full[:, iu[1], iu[0]] = tri
    return full


def _inverse_all(xtx: np.ndarray) -> np.ndarray:
    """Inverses of stacked matrices; an exactly singular one is NaN (as statsmodels skips it)."""
    try:
        return np.linalg.inv(xtx)
    except np.linalg.LinAlgError:
        return np.stack([_inverse_one(a) for a in xtx])


def _inverse_one(a: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.full_like(a, np.nan)


def _fit_block(
    y: np.ndarray, x0: np.ndarray, rows_ok: np.ndarray, outer: np.ndarray, shared: np.ndarray,
    shared_inv: np.ndarray, window: int, min_nobs: int, iu: tuple[np.ndarray, np.ndarray], out: np.ndarray,
) -> None:
    """Fill ``out`` (T×c×k, a view of the result) for one block of c series."""
    valid = np.isfinite(y) & rows_ok[:, None]
    missing = rows_ok[:, None] & ~valid
    y0 = np.where(valid, y, 0.0)
    xty = window_sums(y0[:, :, None] * x0[:, None, :], window)  # T×c×k
    nobs = window_sums(valid.astype(np.int32), window)
    gaps = window_sums(missing.astype(np.int32), window)
    np.matmul(xty, shared_inv, out=out)  # X'y' (X'X)^-1, right for every gap-free window
    fit = nobs >= min_nobs
    fit[: window - 1] = False
    out[~fit] = np.nan
    t_gap, s_gap = np.nonzero(fit & (gaps > 0))
    if len(t_gap):
        xtx = shared[t_gap] - _missing_sums(missing, outer, window, t_gap, s_gap)
        out[t_gap, s_gap] = _solve(_symmetric(xtx, x0.shape[1], iu), xty[t_gap, s_gap])


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


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solves of a·β = b; an exactly singular system gives NaN, as statsmodels does."""
    out = np.empty_like(b)
    for lo in range(0, len(a), _SOLVE_BATCH):
        part = slice(lo, lo + _SOLVE_BATCH)
        try:
            out[part] = np.linalg.solve(a[part], b[part, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            out[part] = np.stack([_inverse_one(m) @ v for m, v in zip(a[part], b[part])])
    return out
