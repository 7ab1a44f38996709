"""Our own reading of numbers as reports print them (not the reports' code: tests must not read
the reports' numbers back with the code that wrote them)."""

from __future__ import annotations

import re

FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "MOM"]
#: A number as a report prints it: typographic or ASCII minus, thousands commas, optional %.
NUMBER = re.compile(r"[-\u2212+]?\d[\d,]*(?:\.\d+)?%?")


def read_number(text: str) -> float:
    """``−8.15%`` -> -0.0815; ``2,610`` -> 2610.0; ``+0.52`` -> 0.52."""
    clean = text.replace("\u2212", "-").replace(",", "").lstrip("+")
    return float(clean[:-1]) / 100 if clean.endswith("%") else float(clean)


def printed(value: float, text: str) -> bool:
    """Whether ``text`` is ``value`` as printed: equal within half a unit of its last digit."""
    digits = text.rstrip("%").split(".")[1] if "." in text else ""
    unit = 10.0 ** -len(digits) * (0.01 if text.endswith("%") else 1)
    return abs(read_number(text) - value) <= unit / 2 + 1e-12


def numbers(text: str) -> list[str]:
    """Every number printed in ``text``, in order."""
    return NUMBER.findall(text)
