"""The cross-products of a block of dates: what each date's regression needs, in one pass.

For every date the model needs the z-scored design's ``Z'Z``, ``Z'y`` and ``y'y`` and the
standardization itself (mean, std, winsorizing bounds, the top-cap cutoff), nothing else:
the fit, the Fama-MacBeth premia, pure plays and characteristic-adjusted returns all follow
from these per-date numbers and, when needed, a re-read of some rows. :func:`block_sums` turns
the rows of a block of dates into those numbers, so the panel is streamed through memory a
block at a time, and the same function runs in this process or on a Dask worker.

How, in one pass over the data: the block's columns are copied into a rows buffer
``[in sample; x - s; y]`` whose cells outside the regression sample are zero, the
characteristics shifted by ``s`` on the way (the copy costs the same with or without it).
Per date one symmetric product of that buffer (BLAS ``syrk``) gives the sample size, the sums
and sums of squares that standardize the characteristics, and every cross-product; centering
and scaling are then applied to the small products, never to the data.

Why the shift: sums of squares minus ``n mean²`` lose digits when a characteristic's mean
dwarfs its spread (log market cap, a price level). With ``s`` the previous date's mean (the
cross-section's means move slowly; for a block's first date, the median of a few of its rows)
nothing is lost; a date whose mean is more than one standard deviation from its shift is
centered on its own mean and its product computed again, so the accuracy of two-pass
centering (statsmodels to 1e-8) holds for every date. Centering and scaling are applied to a
whole block's products at once, at its end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from analytics.threads import one_blas_thread

if TYPE_CHECKING:
    from analytics.crosssection.setup import Setup
    from analytics.crosssection.source import PanelRows

__all__ = ["BlockSums", "DateStats", "block_sums", "one_blas_thread", "standardize"]

# Cells (regressors × rows) copied and worked on at once: about 4 MB, so the few passes made
# over them after the copy stay in cache.
_CHUNK_CELLS = 512 * 1024
# A date is centered on its own mean at most this many times (once in practice).
_RECENTERINGS = 3
# Rows of a block's first date whose median shifts it (later dates are shifted by the date before).
_SHIFT_SAMPLE = 64
# A sum of squares about the mean below this share of the raw sum of squares is rounding: the
# characteristic is the same for every stock.
_NOISE = 1e-13


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

    @classmethod
    def empty(cls, n_dates: int, k: int) -> DateStats:
        """Statistics of ``n_dates`` dates not computed yet (no rows, no bounds)."""
        return cls(
            np.zeros(n_dates, dtype=np.int64),
            np.full((n_dates, k), np.nan),
            np.full((n_dates, k), np.nan),
            np.full((n_dates, k), -np.inf),
            np.full((n_dates, k), np.inf),
            np.full(n_dates, -np.inf),
        )

    def put(self, t0: int, block: DateStats) -> None:
        """Copy a block's statistics in at date number ``t0``."""
        t1 = t0 + len(block.n)
        for name in ("n", "mean", "std", "lower", "upper", "cutoff"):
            getattr(self, name)[t0:t1] = getattr(block, name)


@dataclass(frozen=True)
class BlockSums:
    """Dates ``t0 .. t0 + D - 1``: the products of ``[Z, y]`` (D × (kk + 1) × (kk + 1)) and stats."""

    t0: int
    products: np.ndarray
    stats: DateStats


def standardize(x: np.ndarray, stats: DateStats, t: np.ndarray) -> np.ndarray:
    """z-scores of raw characteristics ``x`` (rows × k) observed at date numbers ``t``."""
    clipped = np.clip(x, stats.lower[t], stats.upper[t])
    z: np.ndarray = (clipped - stats.mean[t]) / stats.std[t]
    return z


def block_sums(parts: Iterable[PanelRows], t0: int, t1: int, setup: Setup) -> BlockSums:
    """The products and statistics of dates ``t0 .. t1 - 1`` from their rows, given in consecutive
    parts of whole dates (one part for a frame in memory, a file at a time from a dataset)."""
    k = len(setup.chars)
    size = k + 2  # in sample, characteristics, y
    grams = np.zeros((t1 - t0, size, size))  # each date's product of the rows buffer
    moved = np.zeros((t1 - t0, k))  # each date's means less the shift its rows were copied with
    stats = DateStats.empty(t1 - t0, k)
    buffer = np.empty(0)
    shift = None  # the previous date's means, or near the first date's
    with one_blas_thread():
        for rows in parts:
            if not len(rows):
                continue
            p0, p1 = int(rows.date_pos[0]), int(rows.date_pos[-1]) + 1
            offsets = rows.offsets(p0, p1)
            need = size * max(int(np.diff(offsets).max()), _CHUNK_CELLS // size)
            if buffer.size < need:
                buffer = np.empty(need)
            if shift is None:
                shift = _first_shift(rows, setup, int(offsets[1]))
            for a, b in _chunks(offsets, _CHUNK_CELLS // size):
                shift = _chunk(rows, offsets[a : b + 1], setup, buffer, shift, (grams, moved, stats, p0 - t0 + a))
    kk = k + int(setup.constant)
    products = np.zeros((t1 - t0, kk + 1, kk + 1))
    _standardized_products(grams, moved, 1.0 / np.where(stats.std > 0, stats.std, 1.0), setup.constant, products)
    return BlockSums(t0, products, stats)


def _first_shift(rows: PanelRows, setup: Setup, stop: int) -> np.ndarray:
    """A value near each characteristic's mean on the first date (rows ``0 .. stop - 1``), to
    shift it by, as later dates are by the date before: the (lower) median of up to 64 of its
    rows (0 where they all miss it). A median is within a standard deviation of the mean, so
    the date is rarely centered again."""
    sample = slice(0, stop, max(1, stop // _SHIFT_SAMPLE))
    values = np.sort(np.stack([rows.values[name][sample] for name in setup.chars]), axis=1)  # NaN last
    present = np.count_nonzero(~np.isnan(values), axis=1)
    median = np.take_along_axis(values, np.maximum(present - 1, 0)[:, None] // 2, axis=1)[:, 0]
    return np.where(np.isfinite(median), median, 0.0)


def _chunks(offsets: np.ndarray, max_rows: int) -> Iterator[tuple[int, int]]:
    """Consecutive date ranges of at most ``max_rows`` rows (a wider date goes alone)."""
    n_dates = len(offsets) - 1
    a = 0
    while a < n_dates:
        b = int(np.searchsorted(offsets, offsets[a] + max_rows, side="right")) - 1
        b = min(max(b, a + 1), n_dates)
        yield a, b
        a = b


def _chunk(
    rows: PanelRows,
    offsets: np.ndarray,
    setup: Setup,
    buffer: np.ndarray,
    shift: np.ndarray,
    out: tuple[np.ndarray, np.ndarray, DateStats, int],
) -> np.ndarray:
    """Copy a few dates' rows into the buffer and reduce them (``out``: the block's products of
    the buffer, means less shifts and statistics, and the chunk's first date in them); returns
    the last date's means.

    Per date only the filters that need it (top caps, winsorizing), the product and, rarely, a
    second centering run one by one; everything else is computed for the chunk's dates at once.
    """
    k = len(setup.chars)
    r0, r1 = int(offsets[0]), int(offsets[-1])
    block = buffer[: (k + 2) * (r1 - r0)].reshape(k + 2, r1 - r0)
    for j, name in enumerate(setup.chars, start=1):
        np.subtract(rows.values[name][r0:r1], shift[j - 1], out=block[j])
    block[k + 1] = rows.values[setup.ret_col][r0:r1]
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN: not finite, as wanted
        valid = np.isfinite(block[1:].sum(axis=0))
    weight = None if setup.weight_col is None else rows.values[setup.weight_col][r0:r1]
    if weight is not None:
        valid &= weight > 0
    cap = None if setup.cap_col is None else rows.values[setup.cap_col][r0:r1]
    if cap is not None:
        valid &= np.isfinite(cap)
    block[1:, np.flatnonzero(~valid)] = 0.0
    grams, moved, stats, at = out
    dates = _Dates(block, valid, offsets - r0, shift)
    t = slice(at, at + dates.count)
    if cap is not None or setup.winsorize is not None:
        for i in range(dates.count):
            _filter(dates, i, cap, setup, (stats, at + i))
    block[0] = valid
    stats.n[t] = dates.n
    gram = dates.sums(weight is None)
    for i in np.flatnonzero((dates.n > 0) & ~dates.centered()).tolist():
        dates.recenter(i, weight is None, gram)
    css = np.where(dates.css <= _NOISE * dates.squares, 0.0, dates.css)  # a constant characteristic: rounding
    sampled = dates.n[:, None] > 0
    d = np.where(sampled, dates.total / np.maximum(dates.n, 1)[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.where(sampled, np.sqrt(css / (dates.n - 1)[:, None]), np.nan)
    mean = np.where(sampled, dates.offset + d, np.nan)
    stats.mean[t], stats.std[t] = mean, std
    if weight is not None:  # standardized across stocks equally, then weighted
        block *= np.sqrt(np.where(valid, weight, 0.0))
        gram = dates.products()
    grams[t], moved[t] = gram, d
    done = np.flatnonzero(dates.n)
    return mean[done[-1]] if len(done) else shift


class _Dates:
    """The dates of a chunk in the buffer ``[in sample; x - offset; y]``: spans, sample sizes, and
    the characteristics' sums and sums of squares about each date's offset."""

    def __init__(self, block: np.ndarray, valid: np.ndarray, local: np.ndarray, shift: np.ndarray) -> None:
        self.block, self.valid, self.local = block, valid, local
        self.count = len(local) - 1
        self.offset = np.tile(shift, (self.count, 1))
        self.k = len(shift)

    def span(self, i: int) -> slice:
        return slice(int(self.local[i]), int(self.local[i + 1]))

    @cached_property
    def n(self) -> np.ndarray:
        """Sample size of each date: counted once the filters have settled the sample."""
        counted = np.concatenate([[0], np.cumsum(self.valid)])
        n: np.ndarray = counted[self.local[1:]] - counted[self.local[:-1]]
        return n

    def products(self) -> np.ndarray:
        """Each date's product of the buffer (``a @ a.T`` is BLAS's syrk: half a general product)."""
        out = np.zeros((self.count, len(self.block), len(self.block)))
        for i in range(self.count):
            z = self.block[:, self.span(i)]
            out[i] = z @ z.T
        return out

    def sums(self, from_products: bool) -> np.ndarray | None:
        """Sums and sums of squares of the characteristics: read off the products (OLS), or computed
        unweighted (WLS, whose weighted products come once the standardization is settled)."""
        k = self.k
        if from_products:
            gram = self.products()
            self.total, self.squares = (
                gram[:, 0, 1 : k + 1].copy(),
                np.diagonal(gram, axis1=1, axis2=2)[:, 1 : k + 1].copy(),
            )
            self.css = self.squares - self.total**2 / np.maximum(self.n, 1)[:, None]
            return gram
        x = self.block[1 : k + 1]
        self.total = np.stack([x[:, self.span(i)].sum(axis=1) for i in range(self.count)])
        self.squares = np.stack(
            [np.einsum("kn,kn->k", x[:, self.span(i)], x[:, self.span(i)]) for i in range(self.count)]
        )
        self.css = self.squares - self.total**2 / np.maximum(self.n, 1)[:, None]
        return None

    def centered(self) -> np.ndarray:
        """Dates whose every mean lies within a standard deviation of its offset: no digits lost."""
        n = self.n[:, None]
        d = self.total / np.maximum(n, 1)
        within: np.ndarray = np.all(d * d * (n - 1) <= self.css, axis=1)
        return within

    def recenter(self, i: int, from_products: bool, gram: np.ndarray | None) -> None:
        """Center date ``i`` on its own mean and compute its sums again (its gram too for OLS)."""
        span, n = self.span(i), int(self.n[i])
        x = self.block[1 : self.k + 1, span]
        outside = np.flatnonzero(~self.valid[span])
        for _ in range(_RECENTERINGS):
            d = self.total[i] / n
            x -= d[:, None]
            x[:, outside] = 0.0
            self.offset[i] += d
            if from_products:
                assert gram is not None  # sums() returns the products when they are read off them
                z = self.block[:, span]
                gram[i] = z @ z.T
                self.total[i], self.squares[i] = gram[i, 0, 1 : self.k + 1], np.diagonal(gram[i])[1 : self.k + 1]
            else:
                self.total[i], self.squares[i] = x.sum(axis=1), np.einsum("kn,kn->k", x, x)
            d = self.total[i] / n
            self.css[i] = self.squares[i] - n * d * d
            if np.all(d * d * (n - 1) <= self.css[i]):
                return


def _filter(dates: _Dates, i: int, cap: np.ndarray | None, setup: Setup, out: tuple[DateStats, int]) -> None:
    """Date ``i``'s top-cap cut (cells left out become zero) and winsorizing (bounds stored unshifted)."""
    stats, t = out
    span = dates.span(i)
    valid = dates.valid[span]  # a view: the cut updates the chunk's sample
    z = dates.block[:, span]
    if cap is not None:
        stats.cutoff[t] = _top_cutoff(cap[span][valid], setup.top_pct)
        valid &= cap[span] >= stats.cutoff[t]
        z[1:, ~valid] = 0.0
    if setup.winsorize is not None and valid.any():
        x = z[1 : dates.k + 1]
        lower, upper = np.quantile(x[:, valid], [setup.winsorize, 1 - setup.winsorize], axis=1)
        stats.lower[t], stats.upper[t] = lower + dates.offset[i], upper + dates.offset[i]
        np.clip(x, lower[:, None], upper[:, None], out=x)
        x[:, ~valid] = 0.0


def _standardized_products(
    gram: np.ndarray, d: np.ndarray, inv_std: np.ndarray, constant: bool, product: np.ndarray
) -> None:
    """``[const?, Z, y]' W [const?, Z, y]`` of each date from the product of ``[1, x - s, y]``
    (``d`` = mean - s): centering and scaling applied to the products,
    ``Σ w (u - d)(u - d)' = P - d a' - a d' + W d d'``."""
    k = d.shape[1]
    c = int(constant)
    weights, a, b = gram[:, 0, 0, None], gram[:, 0, 1 : k + 1], gram[:, 0, k + 1, None]
    xx = (
        gram[:, 1 : k + 1, 1 : k + 1]
        - d[:, :, None] * a[:, None, :]
        - a[:, :, None] * d[:, None, :]
        + weights[:, :, None] * d[:, :, None] * d[:, None, :]
    )
    product[:, c : c + k, c : c + k] = xx * inv_std[:, :, None] * inv_std[:, None, :]
    product[:, c : c + k, -1] = product[:, -1, c : c + k] = (gram[:, 1 : k + 1, k + 1] - d * b) * inv_std
    product[:, -1, -1] = gram[:, k + 1, k + 1]
    if constant:
        product[:, 0, 0] = weights[:, 0]
        product[:, 0, 1 : k + 1] = product[:, 1 : k + 1, 0] = (a - weights * d) * inv_std
        product[:, 0, -1] = product[:, -1, 0] = b[:, 0]


def _top_cutoff(cap: np.ndarray, top_pct: float | None) -> float:
    """The smallest market cap among the ``ceil(n * top_pct / 100)`` largest."""
    if top_pct is None:
        return -np.inf
    if not len(cap):
        return np.inf
    keep = max(1, int(np.ceil(len(cap) * top_pct / 100 - 1e-9)))
    return float(np.partition(cap, len(cap) - keep)[len(cap) - keep])
