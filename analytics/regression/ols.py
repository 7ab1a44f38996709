"""OLS for many return series against one regressor matrix, in a few vectorized solves.

Funds are grouped by their sample (the dates where the fund and every regressor are
present). Each group's regressor matrix is factorized once (QR) and all of the group's funds
are solved with it: the cost of 2,000 funds with a common sample is one factorization and
one matrix product, instead of 2,000 statsmodels fits. Funds with different spans (ARKK
starting in 2014) simply land in another group. Numbers equal statsmodels' OLS to 1e-8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.errors import InputError
from analytics.jobs import Job, Progress
from analytics.regression.covariance import CovarianceEstimator

__all__ = ["ManyOLS", "fit_many", "check_full_rank"]

# Funds solved between two progress reports (and cancel checks) within one group.
_CHUNK = 512


@dataclass(frozen=True)
class ManyOLS:
    """Raw estimates for m series with k regressors on a T-row date grid."""

    params: np.ndarray  # m×k
    cov: np.ndarray  # m×k×k
    resid: np.ndarray  # T×m, NaN outside each series' sample
    nobs: np.ndarray  # m
    ssr: np.ndarray  # m
    centered_tss: np.ndarray  # m


def check_full_rank(x: np.ndarray, names: list[str], what: str) -> None:
    """Refuse perfectly collinear regressors, naming the first one the others explain."""
    for j in range(1, x.shape[1] + 1):
        if np.linalg.matrix_rank(x[:, :j]) < j:
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
    t_len, m = y.shape
    k = x.shape[1]
    params = np.full((m, k), np.nan)
    cov = np.full((m, k, k), np.nan)
    resid = np.full((t_len, m), np.nan)
    nobs = np.zeros(m, dtype=int)
    ssr = np.full(m, np.nan)
    tss = np.full(m, np.nan)
    groups = _sample_groups(np.isfinite(y) & np.isfinite(x).all(axis=1)[:, None])
    done = 0
    for mask, cols in groups:
        n = int(mask.sum())
        if n < min_obs:
            raise InputError(
                f"{series[cols[0]]}: {n} observations for {k} parameters; need at least {min_obs} "
                "(widen the date range or choose a smaller model)."
            )
        xs = x[mask]
        check_full_rank(xs, names, series[cols[0]])
        q, r = np.linalg.qr(xs)
        r_inv = np.linalg.solve(r, np.eye(k))
        xtx_inv = r_inv @ r_inv.T
        for lo in range(0, len(cols), _CHUNK):
            idx = cols[lo : lo + _CHUNK]
            ys = y[np.ix_(mask, idx)]
            b = r_inv @ (q.T @ ys)
            e = ys - xs @ b
            params[idx] = b.T
            cov[idx] = estimator.cov(xs, xtx_inv, e)
            resid[np.ix_(mask, idx)] = e
            nobs[idx] = n
            ssr[idx] = np.einsum("tm,tm->m", e, e)
            dev = ys - ys.mean(axis=0)
            tss[idx] = np.einsum("tm,tm->m", dev, dev)
            done += len(idx)
            yield Progress(done / m, f"regressions {done}/{m}")
    return ManyOLS(params, cov, resid, nobs, ssr, tss)


def _sample_groups(valid: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Columns of ``valid`` (T×m booleans) grouped by identical masks."""
    packed = np.packbits(valid, axis=0)
    _, first, inverse = np.unique(packed, axis=1, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    return [(valid[:, f], np.flatnonzero(inverse == g)) for g, f in enumerate(first)]
