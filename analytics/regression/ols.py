"""OLS for many return series against one regressor matrix, from shared cross-products.

Funds are grouped by their sample (the dates where the fund and every regressor exist).
With missing cells set to zero, ``X0' Y0`` gives every fund's ``X'y`` over its own sample in
one matrix product, whatever its group; each group then needs only its own k×k ``X'X`` and
inverse. So 2,000 funds cost one pass over the returns plus a few tiny solves, instead of
2,000 statsmodels fits. Funds with different spans (ARKK from 2014) land in other groups.
Residual sums of squares come from the cross-products too (``y'y - b'X'y``); residuals
themselves are formed only when an estimator needs them (HAC) or a view asks (results).
The numbers equal statsmodels' OLS to 1e-8 (tests and ``bench/run.py funds_ols`` check).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.errors import InputError
from analytics.jobs import Job, Progress
from analytics.regression.covariance import CovarianceEstimator

__all__ = ["ManyOLS", "fit_many", "check_full_rank"]

# Funds per matrix product between two progress reports (and cancel checks).
_CHUNK = 256
# Series per HAC covariance batch (a k×n score matrix each), between progress reports.
_HAC_CHUNK = 16
# Above this condition number of X'X the regressors are checked for exact collinearity.
_COND_LIMIT = 1e12
# Sums of squares below this share of y'y are rounding noise (an exact fit or a constant).
_EXACT_FIT = 1e-12


@dataclass(frozen=True)
class ManyOLS:
    """Raw estimates for m series with k regressors on a T-row date grid."""

    params: np.ndarray  # m×k
    cov: np.ndarray  # m×k×k
    nobs: np.ndarray  # m
    ssr: np.ndarray  # m
    centered_tss: np.ndarray  # m
    first: np.ndarray  # m, row of each series' first observation
    last: np.ndarray  # m, row of its last


def check_full_rank(x: np.ndarray, names: list[str], what: str) -> None:
    """Refuse (numerically) collinear regressors, naming the first one the others explain.

    The tolerance matches the ``X'X`` condition limit the fit uses, so regressors that fail
    there are named here instead of being called "nearly collinear" without a culprit.
    """
    if len(x) >= x.shape[1] and np.linalg.cond(x.T @ x) <= _COND_LIMIT:
        return  # the common case, from the k×k cross-product alone
    for j in range(1, x.shape[1] + 1):
        s = np.linalg.svd(x[:, :j], compute_uv=False)
        if s.size < j or s[-1] <= s[0] / np.sqrt(_COND_LIMIT):
            raise InputError(
                f"{what}: factor {names[j - 1]!r} is a linear combination of "
                f"{', '.join(repr(n) for n in names[: j - 1])} (perfectly collinear); drop it or "
                "choose another model."
            )


def fit_many(
    y: np.ndarray,
    x: np.ndarray,
    estimator: CovarianceEstimator,
    *,
    names: list[str],
    series: list[str],
    min_obs: int,
) -> Job[ManyOLS]:
    """Regress every column of ``y`` (T×m) on ``x`` (T×k, constant included) where both exist."""
    m, k = y.shape[1], x.shape[1]
    rows_ok = np.isfinite(x).all(axis=1)
    x0 = np.where(rows_ok[:, None], x, 0.0)
    hasher = _mask_hasher(len(x))
    xty, yty, keys = np.empty((m, k)), np.empty(m), np.empty((m, len(hasher)))
    for lo in range(0, m, _CHUNK):
        hi = min(m, lo + _CHUNK)
        # A copy of a block of series in the input's own memory order (a plain memcpy, no
        # transpose); it stays in cache while it is zero-filled, multiplied and summed.
        block = np.array(y[:, lo:hi], dtype=float, order="K")
        valid = np.isfinite(block)
        valid &= rows_ok[:, None]
        block[~valid] = 0.0
        xty[lo:hi] = (x0.T @ block).T
        yty[lo:hi] = np.einsum("tm,tm->m", block, block)
        keys[lo:hi] = (hasher @ valid).T
        yield Progress(0.5 * hi / m, f"cross-products {hi}/{m} series")
    nobs = keys[:, 0].astype(int)
    first, last = np.empty(m, dtype=int), np.empty(m, dtype=int)
    params, cov, ssr = np.empty((m, k)), np.empty((m, k, k)), np.empty(m)
    done = 0
    for rows in _groups(keys):
        n = int(nobs[rows[0]])
        if n < min_obs:
            raise InputError(
                f"fund {series[rows[0]]!r}: {n} observations for {k} parameters; need at least {min_obs} "
                "(widen the date range or choose a smaller model)."
            )
        mask = np.isfinite(y[:, rows[0]]) & rows_ok
        first[rows], last[rows] = np.flatnonzero(mask)[[0, -1]]
        xs = x0[mask]
        xtx_inv = _inverse_cross_product(xs, names, f"fund {series[rows[0]]!r} ({n} dates)")
        params[rows] = xty[rows] @ xtx_inv
        ssr[rows] = yty[rows] - np.einsum("mk,mk->m", params[rows], xty[rows])
        step = _HAC_CHUNK if estimator.needs_resid else len(rows)
        for lo in range(0, len(rows), step):
            part = rows[lo : lo + step]
            resid = y[np.ix_(mask, part)] - xs @ params[part].T if estimator.needs_resid else None
            cov[part] = estimator.cov(xs, xtx_inv, ssr=ssr[part], resid=resid)
            done += len(part)
            if estimator.needs_resid or done == m:
                yield Progress(0.5 + 0.5 * done / m, f"standard errors {done}/{m} series")
    tss = yty - xty[:, 0] ** 2 / nobs  # the constant's column of X'y is the sum of y
    _check_fits(tss, ssr, yty, series)
    return ManyOLS(params, cov, nobs, ssr, tss, first, last)


def _check_fits(tss: np.ndarray, ssr: np.ndarray, yty: np.ndarray, series: list[str]) -> None:
    """Refuse series with no variance to explain, or explained exactly: their standard errors
    are zero (t-stats infinite) and their sums of squares are rounding noise, not statistics.
    Sums of squares from cross-products carry rounding of about 1e-16 × y'y, hence the bound."""
    noise = _EXACT_FIT * yty
    for bad, why in (
        (tss <= noise, "its excess returns do not vary."),
        (ssr <= noise, "the factors fit its excess returns exactly (R² = 1): is it a factor under another name?"),
    ):
        if bad.any():
            raise InputError(f"fund {series[int(np.flatnonzero(bad)[0])]!r}: {why} Leave it out.")


def _inverse_cross_product(xs: np.ndarray, names: list[str], what: str) -> np.ndarray:
    """``(X'X)^-1`` of a group's regressors, refusing collinear ones with their names."""
    xtx = xs.T @ xs
    if np.linalg.cond(xtx) > _COND_LIMIT:
        check_full_rank(xs, names, what)
        raise InputError(f"{what}: the factors are nearly collinear; drop one or choose another model.")
    return np.linalg.inv(xtx)


def _mask_hasher(t_len: int) -> np.ndarray:
    """Weights whose products with a sample mask identify it: a row of ones (the count) and
    three rows of random integers below 2^20, so the sums are exact in float64 whatever the
    summation order, and two different masks collide with probability about 2^-60."""
    rng = np.random.default_rng(0x5EED)
    return np.vstack([np.ones(t_len), rng.integers(1, 2**20, size=(3, t_len)).astype(float)])


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Indices of series with equal mask keys, one array per sample group."""
    _, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    return np.split(order, np.cumsum(np.bincount(inverse))[:-1])
