"""The words reports use for factors, frequencies and models.

Why a table and not free text: the profile must say the same thing for the same numbers, every
time, and a reader must be able to check each word against a number. A factor loading becomes a
tilt named by its sign (HML < 0: growth; RMW > 0: quality), qualified by its size; the wording
follows the chapter's reading of ARKK and Berkshire (13.6-13.7 and its solutions).
"""

from __future__ import annotations

from analytics.regression.models import LABELS

__all__ = ["MARKET", "MODERATE", "STRONG", "TILTS", "model_label", "period_word", "strength", "tilt"]

#: The market factor: described as a multiple of the market, not as a tilt.
MARKET = "Mkt-RF"
#: Factor -> (what a positive loading means, what a negative one means).
TILTS: dict[str, tuple[str, str]] = {
    "SMB": ("small-cap tilt", "large-cap tilt"),
    "HML": ("value tilt", "growth tilt"),
    "RMW": ("tilt toward profitable firms", "tilt toward unprofitable firms"),
    "CMA": ("tilt toward conservative investors", "tilt toward firms investing heavily"),
    "MOM": ("momentum tilt", "contrarian tilt"),
    "R_ME": ("small-cap tilt", "large-cap tilt"),
    "R_IA": ("tilt toward conservative investors", "tilt toward firms investing heavily"),
    "R_ROE": ("tilt toward profitable firms", "tilt toward unprofitable firms"),
    "R_EG": ("tilt toward firms expected to grow", "tilt against firms expected to grow"),
    "BAB": ("defensive (low-beta) tilt", "high-beta tilt"),
    "QMJ": ("quality tilt", "junk tilt"),
    "HML_DEVIL": ("value tilt", "growth tilt"),
}
#: Loading sizes (absolute) from which a tilt is called strong or moderate; below, slight.
#: Why these: a loading of 0.5 on a long-short factor moves the fund half as much as the
#: factor itself, as large as the chapter's ARKK and Berkshire tilts; 0.2 is a fifth of it.
STRONG = 0.5
MODERATE = 0.2

_PERIOD = {"daily": "day", "weekly": "week", "monthly": "month"}


def strength(loading: float) -> str:
    """``strong``, ``moderate`` or ``slight`` by the loading's size."""
    size = abs(loading)
    return "strong" if size >= STRONG else "moderate" if size >= MODERATE else "slight"


def tilt(factor: str, loading: float) -> str:
    """The tilt a loading expresses: ``strong growth tilt`` for HML −0.95."""
    positive, negative = TILTS.get(factor, (f"positive {factor} tilt", f"negative {factor} tilt"))
    return f"{strength(loading)} {positive if loading > 0 else negative}"


def period_word(freq: str) -> str:
    """``month`` for monthly data (``36-month window``)."""
    return _PERIOD.get(freq, "period")


def model_label(model: str) -> str:
    """``FF5 + momentum`` for ff6; a custom model is its list of factors."""
    return LABELS.get(model, model)
