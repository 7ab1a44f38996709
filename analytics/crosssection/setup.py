"""What a cross-sectional model regresses, and the raw per-date arrays a fit produces.

These sit apart from :mod:`analytics.crosssection.model` so that the results, the sums and the
engines can name them without importing the model that builds them (and the model can import
its results): the model, its results and its engines form no import cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from analytics.crosssection.sums import DateStats

__all__ = ["CAP_NAMES", "RawFit", "Setup", "rule_of_thumb_lags"]

#: Market-cap columns found by name (ranking for ``top_pct``; never a characteristic by default).
CAP_NAMES = ("mcap", "me", "market_cap", "marketcap", "mktcap", "cap")


@dataclass(frozen=True)
class Setup:
    """What is regressed on what, and how: the options of one cross-sectional model."""

    chars: tuple[str, ...]
    ret_col: str
    weight_col: str | None = None
    cap_col: str | None = None
    top_pct: float | None = None
    winsorize: float | None = None
    constant: bool = False

    @property
    def regressors(self) -> tuple[str, ...]:
        """Coefficient names in order: ``const`` first when there is one."""
        return ("const", *self.chars) if self.constant else self.chars

    @property
    def columns(self) -> tuple[str, ...]:
        """The panel columns a fit reads: the return, characteristics, weight and market cap."""
        names = (*self.chars, self.ret_col, self.weight_col, self.cap_col)
        return tuple(dict.fromkeys(c for c in names if c is not None))

    @property
    def description(self) -> str:
        """``WLS (weights mcap), top 20% by mcap, winsorized at 1%, no constant``."""
        parts = [f"WLS (weights {self.weight_col})" if self.weight_col else "OLS"]
        if self.top_pct is not None:
            parts.append(f"top {self.top_pct:g}% by {self.cap_col}")
        if self.winsorize is not None:
            parts.append(f"winsorized at {100 * self.winsorize:g}%/{100 * (1 - self.winsorize):g}%")
        parts.append("with constant" if self.constant else "no constant")
        return ", ".join(parts)


@dataclass(frozen=True)
class RawFit:
    """Per-date results for all T dates of the panel (NaN where a date was skipped)."""

    params: np.ndarray  # T × kk
    rsquared: np.ndarray  # T
    stats: DateStats
    skipped: dict[int, str]


def rule_of_thumb_lags(n_dates: int) -> int:
    """Newey and West's ``floor(4 (T/100)^(2/9))`` lags."""
    return math.floor(4 * math.pow(n_dates / 100, 2 / 9))
