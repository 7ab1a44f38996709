"""Covariance estimators for many regressions that share one regressor matrix.

Each estimator takes the group's regressors ``x`` (n×k), its ``(X'X)^-1`` and the residual
sums of squares, or the residuals themselves (n×m) when it ``needs_resid``, and returns the
m parameter covariance matrices (m×k×k), equal to statsmodels' ``cov_params()`` for the same
``cov_type``. Both estimators are equivariant under a change of basis of the regressors
(``X M``: covariances ``M^-1 V M^-T``), so :func:`~analytics.regression.ols.fit_many` hands them
the centered, unit-length factors (where the digits are) and maps the result back. The names
and options follow statsmodels so results can be checked against it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analytics.errors import InputError

__all__ = ["COVARIANCE_ESTIMATORS", "CovarianceEstimator", "NeweyWest", "White", "make_estimator"]


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
        cov: np.ndarray = sigma2[:, None, None] * xtx_inv[None, :, :]
        return cov

    @property
    def description(self) -> str:
        """How the standard errors were computed, for notes and table titles."""
        return "classic OLS standard errors"


@dataclass(frozen=True)
class NeweyWest(CovarianceEstimator):
    """Newey-West (Bartlett kernel) with ``maxlags`` lags, as statsmodels' ``cov_type='HAC'``."""

    maxlags: int = 1
    name = "HAC"
    use_t = False
    needs_resid = True

    def __post_init__(self) -> None:
        if self.maxlags < 0:
            raise InputError(f"Newey-West lags must be 0 or more, not {self.maxlags}.", option="hac_lags")

    def cov(self, x: np.ndarray, xtx_inv: np.ndarray, *, ssr: np.ndarray, resid: np.ndarray | None) -> np.ndarray:
        if resid is None:
            raise ValueError("Newey-West needs the residuals (needs_resid is set)")
        n = x.shape[0]
        # Scores u_t = x_t e_t as c×k×n, so each lag's cross-product is one batched matmul.
        scores = x.T[None, :, :] * resid.T[:, None, :]
        meat = scores @ scores.transpose(0, 2, 1)
        for lag in range(1, min(self.maxlags, n - 1) + 1):
            cross = scores[:, :, lag:] @ scores[:, :, :-lag].transpose(0, 2, 1)
            meat += (1.0 - lag / (self.maxlags + 1.0)) * (cross + cross.transpose(0, 2, 1))
        cov: np.ndarray = xtx_inv @ meat @ xtx_inv
        return cov

    @property
    def description(self) -> str:
        return f"Newey-West (HAC) standard errors, {self.maxlags} lags"


@dataclass(frozen=True)
class White(NeweyWest):
    """White's heteroskedasticity-robust covariance, statsmodels' ``cov_type='HC0'``: the
    Newey-West sandwich with no lags (no small-sample correction)."""

    maxlags: int = field(default=0, init=False)
    name = "HC0"

    @property
    def description(self) -> str:
        return "heteroskedasticity-robust (HC0) standard errors"


COVARIANCE_ESTIMATORS: dict[str, type[CovarianceEstimator]] = {
    "nonrobust": CovarianceEstimator,
    "hc0": White,
    "hac": NeweyWest,
}


def make_estimator(cov_type: str = "nonrobust", **cov_config: int) -> CovarianceEstimator:
    """An estimator by name; an unknown name lists the valid ones."""
    try:
        cls = COVARIANCE_ESTIMATORS[cov_type.lower()]
    except KeyError:
        raise InputError(
            f"unknown standard errors {cov_type!r}; use one of {', '.join(COVARIANCE_ESTIMATORS)}.", option="cov_type"
        ) from None
    return cls(**cov_config)
