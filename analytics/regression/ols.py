"""OLS for many return series against one factor matrix, from shared cross-products.

Funds are grouped by their sample (the dates where the fund and every factor exist). One pass
over the returns forms each fund's sums and cross-products with the factors (missing cells
count as zero), so 2,000 funds cost one pass plus a few k×k solves per sample, instead of
2,000 statsmodels fits. Funds with different spans (ARKK from 2014) land in other groups.

Why centering: sums of squares formed on raw data (``y'y - b'X'y``, ``y'y - (Σy)²/n``) cancel
when the means are large next to the spread (gross returns, prices, factors in levels) and
lose every digit the means take; the means carry nothing about the loadings. So the factors
are centered on their overall means, and each sample's factors are then centered on that
sample's means and scaled (:class:`~analytics.regression.design.Design`, which also judges
their conditioning and solves an ill-conditioned sample by QR); the cross-products are
corrected to those means exactly, and the intercept and its standard error come back from the
means. A fund's own products are formed about a shift and corrected to its mean exactly; the
correction costs at most a bit while the mean is within one standard deviation of the shift
(``Σ(y-s)² = css + n(ȳ-s)²``), as with the cross-sections' shifted dates. The pass uses a shift
of zero, which suits every return series (a daily mean is a twentieth of the spread) and lets
it read each value once, straight from the caller's array; a fund whose mean is further from
zero (gross returns, prices) is read again, shifted by its mean in cache before any product is
formed. Residual sums of squares are ``ỹ'ỹ - θ'z'ỹ`` on centered quantities; where that is
below 1% of the total (R² above 0.99, where the subtraction would cost more than two digits),
in samples solved by QR, and for estimators that need residuals (HAC), the residuals are
formed from the data and summed.

Speed: the pass reads tiles in the array's memory order (a frame's columns, or rows of a
row-major array), each tile once from memory and then from cache; a tile's products show
which funds miss a date in it (NaN), and only those are zeroed and multiplied again. Its parts
run on the idle cores (numpy and BLAS release the GIL), BLAS on one thread in each; the parts
depend on the data only, so the numbers do not depend on the thread count.

A series that cannot be fitted (too few observations, no variation, collinear factors over its
dates) gets NaN and its reason; the others are fitted. An exact fit (R² = 1) and means much
larger than the variation are fitted and noted. The numbers equal statsmodels' OLS to 1e-8
(tests and ``bench/run.py funds_ols`` check) and the NIST StRD certified values to 7 digits
or more (``tests/test_nist.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import cast

import numpy as np

from analytics.jobs import Job, Progress
from analytics.regression.covariance import CovarianceEstimator
from analytics.regression.design import LARGE_MEAN, LARGE_MEAN_NOTE, Design
from analytics.threads import idle_cores, in_threads

__all__ = ["ManyOLS", "fit_many"]

# Cells (dates × series) read at once: about 1 MB, so a tile read from memory is still in
# cache for its second product, the sums of squares (and for zeroing the funds with gaps).
_TILE_CELLS = 128 * 1024
# Ranges of series per fit (tasks for the threads, and progress reports), and the fewest
# series in one: long enough rows that a range of a date-major array reads well.
_TASKS = 8
_MIN_SERIES_PER_TASK = 64
# Series read again (large means) closer than this many columns are read as one span.
_RUN_GAP = 16
# A series is centered on its own mean at most this many times (once in practice).
_RECENTERINGS = 3
# Arrays smaller than this (cells) are reduced on one thread: starting threads costs more.
_THREADED_CELLS = 1 << 20
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
    """Per series: its sample, and its sums of squares and cross-products about ``mean``."""

    keys: np.ndarray  # m×4, identifies the sample; column 0 is the number of observations
    mean: np.ndarray  # m, the value subtracted: the mean, or near it (0 without a constant)
    rest: np.ndarray  # m, sum of the series minus ``mean``: what centering left (0 without a constant)
    yty: np.ndarray  # m, sum of squares about ``mean``
    fty: np.ndarray  # m×p, products with the factors centered on their overall means

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
    y = np.asarray(y, dtype=float)
    dates = np.flatnonzero(np.isfinite(f).all(axis=1))  # rows where every factor exists
    if len(dates) < len(f):  # the other rows are in no series' sample: left out here, once
        y, f = y[dates], f[dates]
    origin = f.mean(axis=0) if constant and len(f) else np.zeros(f.shape[1])
    threads = idle_cores() if y.size >= _THREADED_CELLS else 1
    moments = yield from _moments(y, f - origin, constant, threads)
    m, k = y.shape[1], f.shape[1] + constant
    out = _Out.empty(m, k)
    nobs, done = moments.nobs, 0
    spread = np.sqrt(np.maximum(moments.yty - (moments.rest**2 / np.maximum(nobs, 1) if constant else 0.0), 0.0))
    flat = spread <= _FLAT * (np.abs(moments.mean) * np.sqrt(nobs) + spread)  # varies by rounding only
    for rows in _groups(moments.keys):
        n = int(nobs[rows[0]])
        mask = np.isfinite(y[:, rows[0]])
        if n:
            out.first[rows], out.last[rows] = dates[np.flatnonzero(mask)[[0, -1]]]
        design = Design.of(f[mask], names, constant=constant) if n >= min_obs else None
        problem = _too_few(n, k, min_obs) if design is None else design.problem
        if problem is None and flat[rows].all():
            problem = _FLAT_REASON
        if problem is not None:
            out.reasons[rows] = problem
        else:
            assert design is not None  # a sample without a design has a problem (too few observations)
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
                # mypy cannot infer a lambda with a default (which binds this group's ``done``).
                cast(Callable[[int], Progress], lambda count, base=done: _progress(base + count, m)),
            )
        done += len(rows)
        yield _progress(done, m)
    yield Progress(1.0, f"fitted {int(np.sum(out.reasons == ''))}/{m} series")
    return out.result(nobs, series)


def _moments(y: np.ndarray, f0: np.ndarray, constant: bool, threads: int) -> Job[_Moments]:
    """Sample keys, and sums of squares and cross-products with ``f0`` (the factors centered on
    their means) of every series: one pass over all of them about zero, then a centered pass
    over the few whose mean is far from zero; each pass in parts on ``threads`` threads."""
    n_dates, m = y.shape
    # The sums and the cross-products in one product: ``[1, f0]`` (dates × (1 + p)).
    reader = _Reader(y, np.column_stack([np.ones(n_dates), f0]), _mask_hasher(n_dates))
    keys, sums, squares = np.zeros((m, 4)), np.zeros((m, 1 + f0.shape[1])), np.zeros(m)
    parts = reader.parts()
    for i, (cols, part) in enumerate(in_threads(parts, threads), start=1):
        keys[cols] += part[0]  # in the parts' order, whatever the threads
        sums[cols] += part[1]
        squares[cols] += part[2]
        yield Progress(0.4 * i / len(parts), f"cross-products {i}/{len(parts)}")
    # About zero: the shift is 0 and what is left of the centering is the whole sum.
    moments = _Moments(keys, np.zeros(m), sums[:, 0] if constant else np.zeros(m), squares, sums[:, 1:])
    if not constant:  # uncentered sums of squares are what a regression without a constant needs
        return moments
    n = np.maximum(keys[:, 0], 1)
    with np.errstate(invalid="ignore", over="ignore"):
        mean = sums[:, 0] / n
        far = ~(
            np.isfinite(sums).all(axis=1) & np.isfinite(squares) & (mean * sums[:, 0] <= squares - mean * sums[:, 0])
        )
    again = np.flatnonzero(far)
    shift = np.where(np.isfinite(mean[again]), mean[again], 0.0)
    runs = _runs(again, max(1, _TILE_CELLS // max(n_dates, 1)) * _TASKS)
    tasks = [partial(reader.centered, again[run], shift[run], moments) for run in runs]
    for i, _ in enumerate(in_threads(tasks, threads), start=1):
        yield Progress(0.4 + 0.1 * i / len(runs), f"centered cross-products {i}/{len(runs)}")
    return moments


def _runs(ids: np.ndarray, longest: int) -> list[slice]:
    """Positions in ``ids`` (increasing) split where they are more than :data:`_RUN_GAP` apart,
    and into pieces of at most ``longest``: series read together as one span of columns."""
    cuts = np.union1d(np.flatnonzero(np.diff(ids) > _RUN_GAP) + 1, np.arange(longest, len(ids), longest))
    bounds = [0, *cuts.tolist(), len(ids)]
    return [slice(a, b) for a, b in itertools.pairwise(bounds) if b > a]


_Sums = tuple[np.ndarray, np.ndarray, np.ndarray]  # mask keys (s×4), sums and products (s×(1+p)), squares (s)


@dataclass(frozen=True)
class _Reader:
    """Reads the series in parts that threads can run side by side."""

    y: np.ndarray  # dates × series
    ones_f0: np.ndarray  # dates × (1 + p)
    hasher: np.ndarray  # 4 × dates, see _mask_hasher

    def parts(self) -> list[Callable[[], tuple[slice, _Sums]]]:
        """The pass about zero in parts, each giving its series and their sums, a tile at a time
        in the array's memory order: ranges of whole series when each series is contiguous (a
        frame's columns), else ranges of dates across every series (partial sums, added up)."""
        n_dates, m = self.y.shape
        if _by_series(self.y):
            span = max(_MIN_SERIES_PER_TASK, -(-m // _TASKS))
            return [partial(self._series_part, lo, min(m, lo + span)) for lo in range(0, m, span)]
        span = max(1, -(-n_dates // _TASKS))
        return [partial(self._dates_part, t0, min(n_dates, t0 + span)) for t0 in range(0, n_dates, span)]

    def _series_part(self, lo: int, hi: int) -> tuple[slice, _Sums]:
        sums = self._empty(hi - lo)
        step = max(1, _TILE_CELLS // max(len(self.y), 1))
        for a in range(0, hi - lo, step):
            tile = self.y[:, lo + a : min(hi, lo + a + step)].T  # whole series, each row contiguous
            self._add(tile, slice(None), cast(_Sums, tuple(each[a : a + len(tile)] for each in sums)))
        return slice(lo, hi), self._keys(sums, slice(None))

    def _dates_part(self, t0: int, t1: int) -> tuple[slice, _Sums]:
        m = self.y.shape[1]
        sums = self._empty(m)
        step = max(1, _TILE_CELLS // m)
        buffer = np.empty((min(step, t1 - t0), m))
        for a in range(t0, t1, step):
            # Copied first: BLAS reads a contiguous tile in cache faster than rows of a big array.
            tile = buffer[: min(step, t1 - a)]
            np.copyto(tile, self.y[a : a + len(tile)])
            self._add(tile.T, slice(a, a + len(tile)), sums)
        return slice(None), self._keys(sums, slice(t0, t1))

    def _empty(self, count: int) -> _Sums:
        """Zeros to add sums of ``count`` series into; the keys start as what is missing."""
        return np.zeros((count, 4)), np.zeros((count, self.ones_f0.shape[1])), np.zeros(count)

    def _keys(self, sums: _Sums, dates: slice) -> _Sums:
        """Sums with the mask keys: those of every date less those of the dates missing."""
        missing, products, squares = sums
        return self.hasher[:, dates].sum(axis=1) - missing, products, squares

    def _add(self, tile: np.ndarray, dates: slice, into: _Sums) -> None:
        """Add the products with the factors, the sums of squares and the mask keys of the dates
        missing of the series in ``tile`` (series × ``dates``) into ``into``, missing cells
        counted as zero. Most series have every date of a tile, which its products show (a
        missing value makes them NaN): only the others are zeroed and multiplied again."""
        missing, products, squares = into
        ones_f0 = self.ones_f0[dates]
        sums = tile @ ones_f0
        sq = np.einsum("sd,sd->s", tile, tile)
        gaps = np.flatnonzero(~np.isfinite(sums[:, 0]))
        if len(gaps):
            part = tile[gaps]  # a copy
            absent = ~np.isfinite(part)
            np.copyto(part, 0.0, where=absent)
            sums[gaps] = part @ ones_f0
            sq[gaps] = np.einsum("sd,sd->s", part, part)
            missing[gaps] += absent @ self.hasher[:, dates].T
        products += sums
        squares += sq

    def centered(self, run: np.ndarray, shift: np.ndarray, out: _Moments) -> None:
        """Means and centered products of the series ``run`` (a few close together, means far
        from zero): each tile of dates is shifted by ``shift`` (their means) into a buffer in
        cache before its products are formed; a series whose mean turns out more than a
        standard deviation from its shift (rounding in the first mean) is done again."""
        todo = np.arange(len(run))
        shift = shift.copy()
        for _ in range(_RECENTERINGS):
            keys, sums, squares = self._about(run[todo], shift[todo])
            ids = run[todo]
            out.mean[ids], out.rest[ids], out.fty[ids], out.yty[ids] = shift[todo], sums[:, 0], sums[:, 1:], squares
            count = keys[:, 0]
            d = sums[:, 0] / np.maximum(count, 1)
            far = d * d * count > squares - sums[:, 0] * d
            if not far.any():
                return
            shift[todo[far]] += d[far]
            todo = todo[far]

    def _about(self, ids: np.ndarray, shift: np.ndarray) -> _Sums:
        """The sums of the series ``ids`` minus ``shift``, a tile of dates at a time."""
        y = self.y
        a, b = int(ids[0]), int(ids[-1]) + 1
        local, width = ids - a, b - a
        span = np.zeros(width)
        span[local] = shift
        n_dates = len(y)
        step = max(1, _TILE_CELLS // width)
        buffer = np.empty((width, step)).T if _by_series(y) else np.empty((step, width))
        sums = self._empty(width)
        for t0 in range(0, n_dates, step):
            tile = buffer[: min(step, n_dates - t0)]
            np.subtract(y[t0 : t0 + step, a:b], span, out=tile)
            self._add(tile.T, slice(t0, t0 + len(tile)), sums)
        return tuple(each[local] for each in self._keys(sums, slice(None)))


def _by_series(y: np.ndarray) -> bool:
    """Whether each series (column) of ``y`` is contiguous in memory (a frame's columns)."""
    return y.strides[0] <= y.strides[1]


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
    # Each key as one opaque value of its 32 bytes (sums of whole numbers: equal keys, equal bytes).
    whole = np.ascontiguousarray(keys).view(f"V{keys.shape[1] * keys.itemsize}").ravel()
    _, inverse = np.unique(whole, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    return np.split(order, np.cumsum(np.bincount(inverse))[:-1])
