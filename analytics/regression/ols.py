"""OLS for many return series against one factor matrix, from shared cross-products.

Funds are grouped by their sample (the dates where the fund and every factor exist). One pass
over the returns, a block of funds at a time, centers each fund on its own mean and forms its
cross-products with the factors (missing cells count as zero), so 2,000 funds cost one pass
plus a few k×k solves per sample, instead of 2,000 statsmodels fits. Funds with different
spans (ARKK from 2014) land in other groups.

Why centering: sums of squares formed on raw data (``y'y - b'X'y``, ``y'y - (Σy)²/n``) cancel
when the means are large next to the spread (gross returns, prices, factors in levels) and
lose every digit the means take; the means carry nothing about the loadings. So the funds are
centered on their own means before any product is formed, the factors on their overall means,
and each sample's factors are then centered on that sample's means and scaled
(:class:`~analytics.regression.design.Design`, which also judges their conditioning and solves
an ill-conditioned sample by QR); the cross-products are corrected to those means exactly. The
intercept and its standard error come back from the means. Residual sums of squares are
``ỹ'ỹ - θ'z'ỹ`` on centered quantities; where that is below 1% of the total (R² above 0.99,
where the subtraction would cost more than two digits), in samples solved by QR, and for
estimators that need residuals (HAC), the residuals are formed from the data and summed.

A series that cannot be fitted (too few observations, no variation, collinear factors over its
dates) gets NaN and its reason; the others are fitted. An exact fit (R² = 1) and means much
larger than the variation are fitted and noted. The numbers equal statsmodels' OLS to 1e-8
(tests and ``bench/run.py funds_ols`` check) and the NIST StRD certified values to 7 digits
or more (``tests/test_nist.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analytics.jobs import Job, Progress
from analytics.regression.covariance import CovarianceEstimator
from analytics.regression.design import LARGE_MEAN, LARGE_MEAN_NOTE, Design

__all__ = ["ManyOLS", "fit_many"]

# Funds per block of the cross-product pass (and between progress reports): a block of
# 6,300 dates × 32 funds stays in cache while it is centered and multiplied.
_CHUNK = 32
# Series per batch whose residuals are formed (HAC scores, exact fits, QR), between progress reports.
_RESID_CHUNK = 16
# Residual sums of squares below this share of the total are summed from the residuals.
_RESID_SSR = 1e-2
# Residual sums of squares below this share of the total: the factors fit the series exactly.
_EXACT_FIT = 1e-20
# Variation below this share of a series' size is rounding: the series does not vary.
_FLAT = 1e-12
_FLAT_REASON = "its excess returns do not vary; leave it out."


@dataclass(frozen=True)
class ManyOLS:
    """Raw estimates for m series with k regressors on a T-row date grid; NaN where not fitted."""

    params: np.ndarray  # m×k, the constant first when there is one
    cov: np.ndarray  # m×k×k
    nobs: np.ndarray  # m
    ssr: np.ndarray  # m
    tss: np.ndarray  # m, centered with a constant, uncentered without (R² as statsmodels)
    first: np.ndarray  # m, row of each series' first observation (-1 when none)
    last: np.ndarray  # m, row of its last
    reasons: tuple[str, ...]  # m, why each series was not fitted ('' when it was)
    notes: tuple[str, ...]

    @property
    def fitted(self) -> np.ndarray:
        """Which series were fitted (m booleans)."""
        return np.array([not r for r in self.reasons], dtype=bool)


@dataclass(frozen=True)
class _Moments:
    """Per series, from one pass: its sample key, mean, and cross-products once centered."""

    keys: np.ndarray  # m×4, identifies the sample; column 0 is the number of observations
    mean: np.ndarray  # m, the mean subtracted (0 without a constant)
    rest: np.ndarray  # m, sum of the centered series: the rounding centering left (0 without it)
    yty: np.ndarray  # m
    fty: np.ndarray  # m×p, with the factors centered on their overall means

    @property
    def nobs(self) -> np.ndarray:
        return self.keys[:, 0].astype(int)


def fit_many(
    y: np.ndarray,
    f: np.ndarray,
    estimator: CovarianceEstimator,
    *,
    names: list[str],
    series: list[str],
    min_obs: int,
    constant: bool = True,
) -> Job[ManyOLS]:
    """Regress every column of ``y`` (T×m) on the factors ``f`` (T×p) where both exist.

    Parameters
    ----------
    y : ndarray
        Series, dates × series; NaN where missing.
    f : ndarray
        Factors on the same dates; a row with a missing factor is left out for every series.
    estimator : CovarianceEstimator
        How the parameter covariances are computed.
    names, series : list of str
        Factor and series names, for reasons and notes.
    min_obs : int
        Fewest observations a series needs to be fitted.
    constant : bool
        Include a constant (first parameter); without it, R² is uncentered as in statsmodels.
    """
    f = np.asarray(f, dtype=float)
    rows_ok = np.isfinite(f).all(axis=1)
    origin = f[rows_ok].mean(axis=0) if constant and rows_ok.any() else np.zeros(f.shape[1])
    moments = yield from _moments(y, np.where(rows_ok[:, None], f - origin, 0.0), rows_ok, constant)
    m, k = y.shape[1], f.shape[1] + constant
    out = _Out.empty(m, k)
    nobs, done = moments.nobs, 0
    spread = np.sqrt(np.maximum(moments.yty - (moments.rest**2 / np.maximum(nobs, 1) if constant else 0.0), 0.0))
    flat = spread <= _FLAT * (np.abs(moments.mean) * np.sqrt(nobs) + spread)  # varies by rounding only
    for rows in _groups(moments.keys):
        n = int(nobs[rows[0]])
        mask = np.isfinite(y[:, rows[0]]) & rows_ok
        if n:
            out.first[rows], out.last[rows] = np.flatnonzero(mask)[[0, -1]]
        design = Design.of(f[mask], names, constant=constant) if n >= min_obs else None
        problem = _too_few(n, k, min_obs) if design is None else design.problem
        if problem is None and flat[rows].all():
            problem = _FLAT_REASON
        if problem is not None:
            out.reasons[rows] = problem
        else:
            out.collinear(design, rows)
            out.reasons[rows[flat[rows]]] = _FLAT_REASON
            yield from _fit_group(
                y,
                mask,
                rows[~flat[rows]],
                design,
                moments,
                origin,
                estimator,
                out,
                lambda count, base=done: _progress(base + count, m),
            )
        done += len(rows)
        yield _progress(done, m)
    yield Progress(1.0, f"fitted {int(np.sum(out.reasons == ''))}/{m} series")
    return out.result(nobs, series)


def _moments(y: np.ndarray, f0: np.ndarray, rows_ok: np.ndarray, constant: bool) -> Job[_Moments]:
    """One pass over the series: sample keys, means, and centered cross-products with ``f0``
    (the factors centered on their overall means, zero on rows with a missing factor)."""
    m = y.shape[1]
    hasher = _mask_hasher(len(y))
    ones_f0 = np.column_stack([np.ones(len(f0)), f0]).T  # the sum and the cross-products in one product
    keys, mean = np.empty((m, len(hasher))), np.zeros(m)
    yty, sums = np.empty(m), np.empty((m, len(ones_f0)))
    for lo in range(0, m, _CHUNK):
        hi = min(m, lo + _CHUNK)
        # A copy of a block of series in the input's own memory order (a plain memcpy, no
        # transpose); it stays in cache while it is zero-filled, centered, multiplied and summed.
        block = np.array(y[:, lo:hi], dtype=float, order="K")
        missing = ~np.isfinite(block)
        missing |= ~rows_ok[:, None]
        np.copyto(block, 0.0, where=missing)
        keys[lo:hi] = (hasher @ ~missing).T
        if constant:
            mean[lo:hi] = block.sum(axis=0) / np.maximum(keys[lo:hi, 0], 1)
            block -= mean[lo:hi]
            np.copyto(block, 0.0, where=missing)
        sums[lo:hi] = (ones_f0 @ block).T
        yty[lo:hi] = np.einsum("tm,tm->m", block, block)
        yield Progress(0.5 * hi / m, f"cross-products {hi}/{m} series")
    return _Moments(keys, mean, sums[:, 0] if constant else np.zeros(m), yty, sums[:, 1:])


@dataclass(frozen=True)
class _Out:
    """The arrays :func:`fit_many` fills, sample group by sample group."""

    params: np.ndarray
    cov: np.ndarray
    ssr: np.ndarray
    tss: np.ndarray
    first: np.ndarray
    last: np.ndarray
    reasons: np.ndarray
    exact: np.ndarray
    large_mean: np.ndarray
    nearly: dict[int, tuple[Design, float, list[int]]]  # factor -> a design, the highest R², the series

    @classmethod
    def empty(cls, m: int, k: int) -> _Out:
        nan = np.full(m, np.nan)
        return cls(
            np.full((m, k), np.nan),
            np.full((m, k, k), np.nan),
            nan.copy(),
            nan.copy(),
            np.full(m, -1),
            np.full(m, -1),
            np.full(m, "", dtype=object),
            np.zeros(m, dtype=bool),
            np.zeros(m, dtype=bool),
            {},
        )

    def collinear(self, design: Design, rows: np.ndarray) -> None:
        """Remember a sample whose factors are nearly collinear, for one note per factor."""
        j = design.noted
        if j is not None:
            _, r2, seen = self.nearly.get(j, (design, 0.0, []))
            self.nearly[j] = (design, max(r2, float(design.r2[j])), [*seen, *rows])

    def result(self, nobs: np.ndarray, series: list[str]) -> ManyOLS:
        notes = [
            f"{_who(series, np.sort(rows))}: "
            + design.note(j, r2, " over its dates" if len(rows) == 1 else ", at most, over these funds' dates")
            for j, (design, r2, rows) in self.nearly.items()
        ]
        for flags, what in (
            (
                self.exact,
                (
                    "the factors fit its excess returns exactly (R² = 1): is it a factor under another name? "
                    "Its numbers are printed as computed."
                ),
            ),
            (self.large_mean, LARGE_MEAN_NOTE),
        ):
            if flags.any():
                notes.append(f"{_who(series, np.flatnonzero(flags))}: {what}")
        return ManyOLS(
            self.params, self.cov, nobs, self.ssr, self.tss, self.first, self.last, tuple(self.reasons), tuple(notes)
        )


def _fit_group(
    y: np.ndarray,
    mask: np.ndarray,
    rows: np.ndarray,
    design: Design,
    moments: _Moments,
    origin: np.ndarray,
    estimator: CovarianceEstimator,
    out: _Out,
    progress: Callable[[int], Progress],
) -> Job[None]:
    """Fit the series ``rows`` that share the sample ``mask`` and fill their slots of ``out``."""
    n = design.nobs
    level = moments.mean[rows] + moments.rest[rows] / n  # each series' mean over the sample
    if design.constant:  # z'y with z centered on this sample's means (f0 was centered on all rows')
        zty = (moments.fty[rows] - np.outer(moments.rest[rows], design.mean - origin)) / design.scale
        tss = moments.yty[rows] - moments.rest[rows] ** 2 / n
    else:
        zty, tss = moments.fty[rows] / design.scale, moments.yty[rows]
    theta = np.full(zty.shape, np.nan) if design.by_qr else design.slopes(zty)
    ssr = tss - np.einsum("mk,mk->m", theta, zty)
    read = np.ones(len(rows), dtype=bool) if design.by_qr or estimator.needs_resid else ssr < _RESID_SSR * tss
    to_params = design.to_params()
    regressors, regressors_inv = design.regressors, design.regressors_inv
    cov = np.empty((len(rows), design.k, design.k))
    again = np.flatnonzero(read)
    for lo in range(0, len(again), _RESID_CHUNK):
        part = again[lo : lo + _RESID_CHUNK]
        centered = y[np.ix_(mask, rows[part])] - (level[part] if design.constant else 0.0)
        if design.constant:
            centered -= centered.mean(axis=0)
        if design.by_qr:
            theta[part] = design.slopes(centered=centered)
        resid = centered - design.z @ theta[part].T
        ssr[part] = np.einsum("tm,tm->m", resid, resid)
        if estimator.needs_resid:
            cov[part] = estimator.cov(regressors, regressors_inv, ssr=ssr[part], resid=resid)
            yield progress(lo + len(part))
    if not estimator.needs_resid:
        cov = estimator.cov(regressors, regressors_inv, ssr=ssr, resid=None)
    full = np.column_stack([level, theta]) if design.constant else theta
    out.params[rows] = full @ to_params.T
    out.cov[rows] = to_params @ cov @ to_params.T
    out.ssr[rows], out.tss[rows] = ssr, tss
    out.exact[rows] = ssr <= _EXACT_FIT * tss
    if design.constant:
        out.large_mean[rows] = np.abs(level) > LARGE_MEAN * np.sqrt(tss / (n - 1))


def _progress(done: int, m: int) -> Progress:
    return Progress(0.5 + 0.5 * done / m, f"standard errors {done}/{m} series")


def _too_few(n: int, k: int, min_obs: int) -> str:
    """Why a series with ``n`` observations is not fitted."""
    if n == 0:
        return "no observations on dates where every factor exists."
    return (
        f"{n} observation{'s' if n != 1 else ''} for {k} parameters; need at least {min_obs} "
        "(widen the date range or choose a smaller model)."
    )


def _who(series: list[str], rows: np.ndarray) -> str:
    """``fund 'A'`` or ``funds 'A', 'B', 'C' and 12 others``, for notes."""
    named = ", ".join(repr(series[i]) for i in rows[:3])
    if len(rows) == 1:
        return f"fund {named}"
    return f"funds {named}" + (f" and {len(rows) - 3} others" if len(rows) > 3 else "")


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
