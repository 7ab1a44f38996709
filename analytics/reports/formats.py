"""How reports write numbers: one place, so a sentence, a table cell and a test agree.

Why one module: the profile quotes numbers inside sentences and the tearsheet prints them in
tables; a reader compares the two, and the tests parse both back. So each kind of number has
one spelling: percentages with two decimals ("8.15%"), loadings and t-statistics with two
("1.54", "−4.67"), R² with three ("0.838"). Negative numbers take the typographic minus
(U+2212), as printed reports do.
"""

from __future__ import annotations

import math

__all__ = ["MINUS", "integer", "num", "pct", "r2", "signed"]

MINUS = "\u2212"


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def num(value: float, digits: int = 2) -> str:
    """A plain number: ``1.54``, ``−0.95``; ``n/a`` for NaN."""
    if value is None or not math.isfinite(value):
        return "n/a"
    rounded = round(value, digits) + 0.0  # + 0.0 turns a rounded -0.0 into 0.0: no "−0.00"
    return _minus(f"{rounded:,.{digits}f}")


def signed(value: float, digits: int = 2) -> str:
    """A number with its sign always shown: ``+0.35``, ``−1.55`` (changes, contributions)."""
    text = num(value, digits)
    return text if text.startswith(MINUS) or text == "n/a" else f"+{text}"


def pct(value: float, digits: int = 2) -> str:
    """A decimal as a percentage: 0.0815 -> ``8.15%``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return num(100 * value, digits) + "%"


def r2(value: float) -> str:
    """R² with three decimals, as the chapter quotes it (``0.838``)."""
    return num(value, 3)


def integer(value: float) -> str:
    """A count with thousands separators."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{round(value):,}"
