"""Percent vs decimal returns: declared, detected with a note, or refused when ambiguous."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.data.units import units_scale
from analytics.errors import InputError


def _frame(scale: float, freq_std: float = 0.04, seed: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"A": np.random.default_rng(seed).normal(0, freq_std, 120) * scale})


@pytest.mark.parametrize(("freq", "std"), [("monthly", 0.04), ("daily", 0.01)])
def test_auto_detects_decimal_and_percent(freq, std) -> None:
    """Typical decimal returns scale by 1, the same in percent by 0.01, each with a note."""
    scale, note = units_scale(_frame(1, std), "auto", freq, what="returns", source="f.csv")
    assert scale == 1.0 and "decimals" in note
    scale, note = units_scale(_frame(100, std), "auto", freq, what="factors", source="f.csv")
    assert scale == 0.01 and "percent" in note and "f.csv" in note


def test_return_below_minus_100_percent_means_percent() -> None:
    """A value below -1 is impossible as a decimal return, so the data are percent."""
    frame = pd.DataFrame({"A": [0.01, 0.02, -1.5, 0.01]})
    assert units_scale(frame, "auto", "monthly", what="returns", source="f.csv")[0] == 0.01


def test_declared_units_win_without_note() -> None:
    """--units percent/decimal are obeyed even when the data look otherwise."""
    assert units_scale(_frame(1), "percent", "monthly", what="returns", source="f.csv") == (0.01, None)
    assert units_scale(_frame(100), "decimal", "monthly", what="returns", source="f.csv") == (1.0, None)


@pytest.mark.parametrize(("what", "flag"), [("returns", "--units"), ("factors", "--factor-units")])
def test_ambiguous_magnitude_is_refused(what, flag) -> None:
    """A median |return| between the ranges raises InputError naming the option to pass."""
    frame = pd.DataFrame({"A": [0.3, -0.3, 0.31, -0.29]})
    with pytest.raises(InputError, match=f"pass {flag} percent or decimal"):
        units_scale(frame, "auto", "monthly", what=what, source="f.csv")


def test_unknown_units_and_absurd_values() -> None:
    """An unknown unit name is an InputError; values near float max do not overflow."""
    with pytest.raises(InputError, match="unknown units"):
        units_scale(_frame(1), "basis", "monthly", what="returns", source="f.csv")
    huge = pd.DataFrame({"A": [1e308, 1e308, -1e308, 1.0]})
    assert units_scale(huge, "auto", "monthly", what="returns", source="f.csv")[0] == 0.01
