"""One sample's regressors, centered and scaled, and whether they determine the loadings.

Why: cross-products of raw columns lose their digits to the columns' means and scales, not
to collinearity. NIST's Longley regressors have a condition number of 4.9e9 as given and 111
once centered and scaled to unit length (Pontius: 1.4e13 and 8.3); factors in price levels or
gross returns (1 + r) are the everyday case. So a sample's factors are centered on their means
(the constant's share of the fit, put back into the intercept afterwards) and scaled to unit
length, and every judgement about conditioning is made on those columns ``z``:

- The distance of each column of ``z`` from the span of the constant and the columns before it
  (the diagonal of ``R`` in ``z = QR``) is ``sqrt(1 - R²)`` of that factor regressed on them.
- A factor is **perfectly collinear** when that distance, in the factor's own units, is within
  the rounding its raw values carry (:data:`RANK_ULPS` units in the last place of their norm):
  no digit of the data tells it from an exact linear combination.
- Otherwise it is **nearly collinear** when its R² on the others exceeds :data:`NOTE_R2` (a
  note: its loading is imprecise), and it is refused as **too ill-conditioned** when the R²
  exceeds :data:`MAX_R2` = 1 - 1e-10: past that, about ten of the sixteen digits a double
  carries go into telling the factor from the others, and a change in the tenth digit of the
  data moves its loading by its own size. Financial factors come nowhere near it; NIST's Filip
  polynomial is refused by it (its x^8 has R² = 1 - 5e-12 on the lower powers).
- The loadings come from the normal equations of ``z`` (one k×k solve, shared by every fund of
  the sample) when ``cond(z) <= QR_COND``, losing at most four of sixteen digits; above that
  the sample is solved by QR of ``z``, which loses half as many (its funds' data are read again).

Covariance matrices and loadings are computed in the ``[1, z]`` basis and mapped back with
:meth:`Design.to_params` (``b = M θ``): OLS, its classic and its Newey-West covariance are all
equivariant under such a change of basis, so the numbers are those of OLS on the raw columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LARGE_MEAN", "LARGE_MEAN_NOTE", "MAX_R2", "NOTE_R2", "QR_COND", "RANK_ULPS", "Design", "center", "r2_text"]

#: R² of a factor on the others above which the regression is refused as too ill-conditioned.
MAX_R2 = 1 - 1e-10
#: R² of a factor on the others above which a note says it is nearly collinear.
NOTE_R2 = 0.999
#: Condition number of the centered, unit-length factors above which a sample is solved by QR.
QR_COND = 100.0
#: Units in the last place of a factor's raw norm within which a dependence counts as exact.
RANK_ULPS = 100
#: Means larger than this many standard deviations look like prices or gross returns (a note).
LARGE_MEAN = 10.0
LARGE_MEAN_NOTE = (
    "means much larger than the variation: prices or gross returns? The numbers are exact (the data "
    "are centered before they are multiplied), but check the input."
)


def center(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means of ``a`` and ``a`` minus them, by two passes (the second corrects the first
    mean by the mean of what is left, so the centered columns sum to zero to rounding even when
    the means are millions of times the spread)."""
    mean = a.mean(axis=0)
    centered = a - mean
    mean = mean + centered.mean(axis=0)
    return mean, a - mean


def r2_text(r2: float) -> str:
    """An R² near 1 written so its distance from 1 shows (``1 - 3.6e-15``)."""
    return f"1 - {1 - r2:.1e}" if r2 > 0.9999 else f"{r2:.4f}"


@dataclass(frozen=True)
class Design:
    """The factors of one sample (n×p), centered (with a constant) and scaled to unit length.

    ``problem`` says why the sample cannot be fitted (perfectly or too nearly collinear
    factors); ``r2`` holds each factor's R² on the constant and the factors before it, which
    :meth:`note` words for the first one above :data:`NOTE_R2`.
    """

    names: tuple[str, ...]
    constant: bool
    mean: np.ndarray  # p, the factors' means (zeros without a constant)
    scale: np.ndarray  # p, lengths of the centered factors
    z: np.ndarray  # n×p, centered, unit-length factors
    zz_inv: np.ndarray  # p×p, (z'z)^-1
    q: np.ndarray | None  # n×p and p×p: z = QR when the sample is solved by QR
    r: np.ndarray | None
    problem: str | None
    r2: np.ndarray  # p

    @classmethod
    def of(cls, f: np.ndarray, names: list[str] | tuple[str, ...], *, constant: bool) -> Design:
        """Center and scale the factor rows ``f`` of one sample and judge their conditioning."""
        names = tuple(names)
        if constant:
            mean, centered = center(f)
        else:
            mean, centered = np.zeros(f.shape[1]), np.array(f, dtype=float)
        scale = np.linalg.norm(centered, axis=0)
        # Rounding carried by each factor's raw values, as a length in its own units.
        rounding = RANK_ULPS * np.finfo(float).eps * np.linalg.norm(f, axis=0)
        flat = np.flatnonzero(scale <= rounding)
        if len(flat):
            return cls._refused(names, constant, f, _collinear(names, int(flat[0]), constant, None, flat=True))
        z = centered / scale
        gram = z.T @ z
        eig = np.linalg.eigvalsh(gram)
        q = r = None
        if eig[0] > 0 and eig[-1] <= QR_COND**2 * eig[0]:
            low = np.linalg.cholesky(gram)
            distance, zz_inv = np.diag(low), np.linalg.inv(gram)
        else:
            q, r = np.linalg.qr(z)
            distance = np.abs(np.diag(r))
            r_inv = np.linalg.inv(r)  # triangular: LU keeps it as it is, so this is back substitution
            zz_inv = r_inv @ r_inv.T
        r2 = 1 - distance**2  # each factor's R² on the constant and the factors before it
        exact = np.flatnonzero(distance * scale <= rounding)
        if len(exact):
            return cls._refused(names, constant, f, _collinear(names, int(exact[0]), constant, None))
        worst = np.flatnonzero(r2 > MAX_R2)
        if len(worst):
            return cls._refused(names, constant, f, _collinear(names, int(worst[0]), constant, float(r2[worst[0]])))
        return cls(names, constant, mean, scale, z, zz_inv, q, r, None, r2)

    @classmethod
    def _refused(cls, names: tuple[str, ...], constant: bool, f: np.ndarray, problem: str) -> Design:
        p = f.shape[1]
        nan = np.full(p, np.nan)
        return cls(
            names, constant, nan, nan, np.full(f.shape, np.nan), np.full((p, p), np.nan), None, None, problem, nan
        )

    @property
    def noted(self) -> int | None:
        """The first factor nearly collinear with those before it (R² above NOTE_R2), if any."""
        above = np.flatnonzero(self.r2 > NOTE_R2)
        return int(above[0]) if len(above) else None

    def note(self, j: int, r2: float, where: str = "") -> str:
        """The note for factor ``j`` with R² ``r2`` on the constant and the factors before it."""
        return (
            f"factor {self.names[j]!r} is nearly collinear with {_others(self.names, j, self.constant)} "
            f"(R² = {r2_text(r2)} on them{where}): its loading is imprecise."
        )

    @property
    def nobs(self) -> int:
        """Observations (rows) of the sample."""
        return int(self.z.shape[0])

    @property
    def k(self) -> int:
        """Parameters: the factors and the constant, if any."""
        return int(self.z.shape[1]) + self.constant

    @property
    def by_qr(self) -> bool:
        """Whether the sample is solved by QR (and its series' data must be read again)."""
        return self.r is not None

    @property
    def regressors(self) -> np.ndarray:
        """The regressors in the basis the fit works in: ``[1, z]`` (n×k), or ``z``."""
        return np.column_stack([np.ones(self.nobs), self.z]) if self.constant else self.z

    @property
    def regressors_inv(self) -> np.ndarray:
        """``(X'X)^-1`` of :attr:`regressors` (the ones column is orthogonal to ``z``)."""
        if not self.constant:
            return self.zz_inv
        out = np.zeros((self.k, self.k))
        out[0, 0] = 1.0 / self.nobs
        out[1:, 1:] = self.zz_inv
        return out

    def to_params(self) -> np.ndarray:
        """``M`` (k×k) with ``b = M θ``: coefficients of the raw factors (and the constant)
        from those of :attr:`regressors`; covariances map as ``M V M'``."""
        inv_scale = np.diag(1.0 / self.scale)
        if not self.constant:
            return inv_scale
        out = np.eye(self.k)
        out[0, 1:] = -self.mean / self.scale
        out[1:, 1:] = inv_scale
        return out

    def slopes(self, zty: np.ndarray | None = None, centered: np.ndarray | None = None) -> np.ndarray:
        """Coefficients of ``z`` (m×p) for m series: from their cross-products ``z'y`` (m×p) by
        the normal equations, or, for a sample solved by QR, from the ``centered`` series (n×m)."""
        if self.by_qr:
            assert self.q is not None and self.r is not None and centered is not None  # both set by QR
            return np.linalg.solve(self.r, self.q.T @ centered).T
        assert zty is not None  # the normal equations are given z'y
        slopes: np.ndarray = zty @ self.zz_inv
        return slopes


def _others(names: tuple[str, ...], j: int, constant: bool, flat: bool = False) -> str:
    """The regressors before factor ``j`` (only the constant for a ``flat`` one, which does not vary)."""
    before = (["const"] if constant else []) + ([] if flat else list(names[:j]))
    return ", ".join(repr(n) for n in before) if before else "nothing (it is all zeros)"


def _collinear(names: tuple[str, ...], j: int, constant: bool, r2: float | None, *, flat: bool = False) -> str:
    """Why factor ``j`` cannot be estimated: exactly (``r2`` None) or too nearly collinear."""
    if r2 is None:
        return (
            f"factor {names[j]!r} is a linear combination of {_others(names, j, constant, flat)} (perfectly "
            "collinear); drop it or choose another model."
        )
    return (
        f"factor {names[j]!r} is nearly collinear with {_others(names, j, constant)} (R² = {r2_text(r2)} "
        f"on them): the regression is too ill-conditioned to estimate (the limit is R² = {r2_text(MAX_R2)}); "
        "drop a factor or choose another model."
    )
