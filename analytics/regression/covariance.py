"""Covariance estimators for many regressions that share one regressor matrix.

Each estimator takes the group's regressors ``x`` (n×k), its ``(X'X)^-1`` and the residual
sums of squares, or the residuals themselves (n×m) when it ``needs_resid``, and returns the
m parameter covariance matrices (m×k×k), equal to statsmodels' ``cov_params()`` for the same ``cov_type``. The names and options
follow statsmodels so results can be checked against it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.errors import InputError

__all__ = ["CovarianceEstimator", "Homoskedastic", "NeweyWest", "COVARIANCE_ESTIMATORS", "make_estimator"]

# Funds per chunk for HAC, keeping the n×k×m score array near 100 MB.
_HAC_BYTES = 100 * 1024**2


@dataclass(frozen=True)
class CovarianceEstimator:
    """Base class: the classic OLS covariance ``sigma^2 (X'X)^-1``."""

    name = "nonrobust"
    #: statsmodels uses Student-t inference for the classic covariance, normal for HAC.
    use_t = True

    #: Whether :meth:`cov` needs the residuals themselves, not only their sum of squares.
    needs_resid = False

    def cov(self, x: np.ndarray, xtx_inv: np.ndarray, *, ssr: np.ndarray, resid: np.ndarray | None) -> np.ndarray:
        """Parameter covariances, one k×k matrix per series (``ssr``: m residual sums of squares)."""
        n, k = x.shape
        sigma2 = ssr / (n - k)
        return sigma2[:, None, None] * xtx_inv[None, :, :]

    @property
    def description(self) -> str:
        """How the standard errors were computed, for notes and table titles."""
        return "classic OLS standard errors"


Homoskedastic = CovarianceEstimator


@dataclass(frozen=True)
class NeweyWest(CovarianceEstimator):
    """Newey-West (Bartlett kernel) with ``maxlags`` lags, as statsmodels' ``cov_type='HAC'``."""

    maxlags: int = 1
    name = "HAC"
    use_t = False
    needs_resid = True

    def __post_init__(self) -> None:
        if self.maxlags < 0:
            raise InputError(f"HAC lags must be 0 or more, not {self.maxlags}.")

    def cov(self, x: np.ndarray, xtx_inv: np.ndarray, *, ssr: np.ndarray, resid: np.ndarray | None) -> np.ndarray:
        e = resid
        n, k = x.shape
        m = e.shape[1]
        step = max(1, _HAC_BYTES // (8 * n * k))
        out = np.empty((m, k, k))
        for lo in range(0, m, step):
            scores = x[:, :, None] * e[None, :, lo : lo + step].transpose(1, 0, 2)  # n×k×c
            meat = np.einsum("tac,tbc->cab", scores, scores)
            for lag in range(1, min(self.maxlags, n - 1) + 1):
                weight = 1.0 - lag / (self.maxlags + 1.0)
                cross = np.einsum("tac,tbc->cab", scores[lag:], scores[:-lag])
                meat += weight * (cross + cross.transpose(0, 2, 1))
            out[lo : lo + step] = xtx_inv @ meat @ xtx_inv
        return out

    @property
    def description(self) -> str:
        return f"Newey-West (HAC) standard errors, {self.maxlags} lags"


COVARIANCE_ESTIMATORS: dict[str, type[CovarianceEstimator]] = {"nonrobust": CovarianceEstimator, "hac": NeweyWest}


def make_estimator(cov_type: str = "nonrobust", **cov_config: int) -> CovarianceEstimator:
    """An estimator by name; an unknown name lists the valid ones."""
    try:
        cls = COVARIANCE_ESTIMATORS[cov_type.lower()]
    except KeyError:
        raise InputError(f"unknown cov_type {cov_type!r}; use one of {', '.join(COVARIANCE_ESTIMATORS)}.") from None
    return cls(**cov_config)
