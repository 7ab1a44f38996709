"""The Student t, F and normal distributions that the regressions' inference needs.

Why not ``scipy.stats``: the app uses five of its functions, and ``scipy.stats`` brings
``scipy.linalg``, ``optimize``, ``sparse``, ``interpolate`` and more — about 40 MB of the
double-clickable app and half a second of import. The same functions are ``scipy.special``'s
(which ``scipy.stats`` itself calls for these distributions: ``t.sf(x, df)`` is
``stdtr(df, -x)``), so the numbers are scipy's to the last bit, and the build keeps
``scipy.special`` alone. Import this module on first use: ``scipy.special`` still takes about
0.1 s to import.

Each distribution is named and called as in ``scipy.stats`` (``t.sf(x, df)``,
``norm.ppf(q)``, ``f.sf(x, dfn, dfd)``), over arrays, returning arrays; arguments outside a
distribution's domain (df <= 0, q outside [0, 1]) give NaN, as scipy.stats does. Only the
functions the app uses are here (F has no quantile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = ["Distribution", "f", "norm", "t"]


@dataclass(frozen=True)
class Distribution:
    """A distribution's survival function and, where the app needs it, its quantile function."""

    name: str
    sf: Callable[..., np.ndarray]
    quantile: Callable[..., np.ndarray] | None = None

    def ppf(self, q: ArrayLike, *params: ArrayLike) -> np.ndarray:
        """The quantile function, the inverse of ``1 - sf``, where this module has it."""
        if self.quantile is None:
            raise NotImplementedError(f"no quantile function for the {self.name} distribution")
        return self.quantile(q, *params)


def _array(x: ArrayLike) -> np.ndarray:
    """``x`` as a float array (pandas objects would otherwise align on their index)."""
    return np.asarray(x, dtype=float)


def _positive(df: ArrayLike) -> np.ndarray:
    """Degrees of freedom, NaN where not positive (scipy.stats' domain check)."""
    df = _array(df)
    return np.where(df > 0, df, np.nan)


def _probability(q: ArrayLike) -> np.ndarray:
    """Probabilities, NaN outside [0, 1]."""
    q = _array(q)
    return np.where((q >= 0) & (q <= 1), q, np.nan)


def _t_sf(x: ArrayLike, df: ArrayLike) -> np.ndarray:
    out: np.ndarray = special.stdtr(_positive(df), -_array(x))
    return out


def _t_ppf(q: ArrayLike, df: ArrayLike) -> np.ndarray:
    q = _probability(q)  # the ends of the support as scipy.stats gives them (stdtrit(df, 0) is +inf)
    return np.where(q == 0, -np.inf, special.stdtrit(_positive(df), q))[()]


def _norm_sf(x: ArrayLike) -> np.ndarray:
    out: np.ndarray = special.ndtr(-_array(x))
    return out


def _norm_ppf(q: ArrayLike) -> np.ndarray:
    out: np.ndarray = special.ndtri(_probability(q))
    return out


def _f_sf(x: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> np.ndarray:
    x = _array(x)  # below the support the survival is 1, as at 0
    out: np.ndarray = special.fdtrc(_positive(dfn), _positive(dfd), np.where(x < 0, 0.0, x))
    return out


#: Student's t with ``df`` degrees of freedom: ``t.sf(x, df)``, ``t.ppf(q, df)``.
t = Distribution("t", _t_sf, _t_ppf)
#: The standard normal: ``norm.sf(x)``, ``norm.ppf(q)``.
norm = Distribution("norm", _norm_sf, _norm_ppf)
#: Fisher's F with ``dfn`` and ``dfd`` degrees of freedom: ``f.sf(x, dfn, dfd)``.
f = Distribution("f", _f_sf)
