"""analytics.distributions gives scipy.stats' numbers for the t, normal and F distributions.

The module exists so that the app (and its frozen build) needs only ``scipy.special``; these
tests hold it to ``scipy.stats`` itself, over ordinary values, the far tails, the edges of
each domain, and the pandas objects the results pass in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from analytics import distributions

RNG = np.random.default_rng(20240418)
#: t statistics from tiny to deep in the tails, with NaN and infinities.
X = np.r_[RNG.normal(0, 3, 500), [0.0, 1e-12, 8.0, 40.0, -40.0, np.nan, np.inf, -np.inf]]
#: Degrees of freedom of regressions (a few to thousands), plus invalid and infinite ones.
DF = np.r_[RNG.integers(1, 6000, 500).astype(float), [1.0, 2.0, 30.0, 0.0, -3.0, np.inf, 7.5, 60.0]]
#: Probabilities across (0, 1), the conventional ones, the ends, and invalid ones.
Q = np.r_[RNG.uniform(0, 1, 500), [0.975, 0.995, 0.0, 1.0, -0.1, 1.1, np.nan, 1e-300]]


def _same(ours: np.ndarray, reference: np.ndarray) -> None:
    """Equal to 1e-14 relative, NaN where scipy.stats gives NaN."""
    assert_allclose(ours, reference, rtol=1e-14, atol=0, equal_nan=True)


def test_t_survival_is_scipy_stats():
    """t.sf(x, df) is scipy.stats.t.sf, including NaN for df <= 0 and the limits at ±inf."""
    _same(distributions.t.sf(X, DF), stats.t.sf(X, DF))


def test_t_quantile_is_scipy_stats():
    """t.ppf(q, df) is scipy.stats.t.ppf: ±inf at q = 0 and 1, NaN outside [0, 1] or for df <= 0."""
    _same(distributions.t.ppf(Q, DF), stats.t.ppf(Q, DF))


def test_normal_is_scipy_stats():
    """norm.sf and norm.ppf are scipy.stats.norm's."""
    _same(distributions.norm.sf(X), stats.norm.sf(X))
    _same(distributions.norm.ppf(Q), stats.norm.ppf(Q))


@pytest.mark.parametrize("dfn", [1, 3, 6, 7])
def test_f_survival_is_scipy_stats(dfn):
    """f.sf(x, dfn, dfd) is scipy.stats.f.sf: 1 at and below 0, NaN for invalid degrees of freedom."""
    x = np.abs(X) * np.where(np.arange(len(X)) % 5 == 0, -1.0, 1.0)
    _same(distributions.f.sf(x, dfn, DF), stats.f.sf(x, dfn, DF))


def test_two_sided_p_values_of_a_results_table():
    """The p-values and 95% bounds as the regression results compute them (a fund × term table,
    degrees of freedom per fund) are statsmodels' (scipy.stats') to 1e-14."""
    t = pd.DataFrame(RNG.normal(0, 2, (4, 3)), index=list("ABCD"), columns=["const", "Mkt-RF", "SMB"])
    df = pd.Series([10.0, 250.0, 1560.0, 3.0], index=t.index)
    p = 2 * distributions.t.sf(np.abs(t.to_numpy()), df.to_numpy()[:, None])
    _same(p, 2 * stats.t.sf(np.abs(t.to_numpy()), df.to_numpy()[:, None]))
    _same(distributions.f.sf(t["SMB"] ** 2, 2, df), stats.f.sf(t["SMB"].to_numpy() ** 2, 2, df.to_numpy()))
    assert isinstance(distributions.t.ppf(0.975, 25), float)
    assert distributions.t.ppf(0.975, 25) == pytest.approx(2.059538552753294, rel=1e-15)  # t tables: 2.0595
