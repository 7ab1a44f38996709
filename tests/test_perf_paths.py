"""The fast paths' numbers: the same on any thread count, and equal to plain computations.

The cross-sections run blocks of dates on threads, each block shifted by a value near its
first date's means; the units' medians come from one selection per column. Neither may change
a number: the blocks are fixed by the data, and the medians are numpy's ``nanmedian``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analytics.crosssection import CrossSectionModel
from analytics.data.units import out_of_line

CHARS = ["size", "value", "level"]


def _panel() -> pd.DataFrame:
    """40 dates × 300 stocks; one characteristic in levels (mean 1e4, spread 1), holes."""
    rng = np.random.default_rng(3)
    dates = pd.date_range("2001-01-31", periods=40, freq="ME")
    rows = len(dates) * 300
    x = rng.normal([2.0, -1.0, 1e4], [1.0, 3.0, 1.0], (rows, 3))
    ret = x[:, :2] @ [0.01, -0.02] + 0.001 * (x[:, 2] - 1e4) + rng.normal(0, 0.05, rows)
    ret[rng.random(rows) < 0.05] = np.nan
    x[rng.random(rows) < 0.03, 1] = np.nan
    frame = pd.DataFrame(x, columns=CHARS).assign(
        date=np.repeat(dates, 300), id=np.tile([f"S{i:03d}" for i in range(300)], len(dates)), ret=ret
    )
    return frame


def test_cross_section_numbers_do_not_depend_on_threads() -> None:
    """One thread or two over ten blocks of dates: every date's coefficients equal to the bit."""
    panel = _panel()
    one, two = (CrossSectionModel(panel, ret_col="ret", chars=CHARS).fit(threads=n, block_dates=4) for n in (1, 2))
    np.testing.assert_array_equal(one.params.to_numpy(), two.params.to_numpy())
    np.testing.assert_array_equal(one.rsquared.to_numpy(), two.rsquared.to_numpy())


def test_cross_section_with_a_level_characteristic_equals_statsmodels() -> None:
    """Each date (the first of every block too) equals statsmodels on pandas z-scores to 1e-8."""
    panel = _panel()
    res = CrossSectionModel(panel, ret_col="ret", chars=CHARS).fit(threads=2, block_dates=7)
    used = panel.dropna(subset=["ret", *CHARS])
    for date, section in used.groupby("date"):
        z = (section[CHARS] - section[CHARS].mean()) / section[CHARS].std()
        fit = sm.OLS(section["ret"], z).fit()
        np.testing.assert_allclose(res.params.loc[date].to_numpy(), fit.params.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose(res.rsquared[date], fit.rsquared, rtol=1e-8)


def test_typical_sizes_are_numpys_medians() -> None:
    """The typical size reported with an out-of-line cell is the median of its column's non-zero
    finite absolute values, as ``np.nanmedian`` gives it, for odd and even counts, with zeros,
    NaN and infinities in the column."""
    rng = np.random.default_rng(8)
    values = rng.normal(0, 0.01, (501, 6))
    values[:40, 1] = 0.0  # zeros do not count
    values[::7, 2] = np.nan  # nor does what is missing
    values[5, 3] = np.inf  # nor infinities
    values[:250, 4] = np.nan  # an even count
    values[100, :] = 1e3  # the out-of-line cell of every column
    frame = pd.DataFrame(values, columns=list("abcdef"))
    size = np.abs(values)
    expected = np.nanmedian(np.where(np.isfinite(size) & (size > 0), size, np.nan), axis=0)
    flagged = out_of_line(frame, 1.0)
    assert list(flagged["column"]) == list("abcdef")
    np.testing.assert_array_equal(flagged["typical"].to_numpy(), expected)
