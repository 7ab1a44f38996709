"""Characteristic-adjusted returns: per-date cross-sections, Fama-MacBeth, pure plays (section 13.9)."""

from analytics.crosssection.engines import ENGINES
from analytics.crosssection.model import CrossSectionModel
from analytics.crosssection.report import CrossSectionReport
from analytics.crosssection.results import CharAdjResults, CrossSectionResults
from analytics.crosssection.setup import Setup

__all__ = [
    "ENGINES",
    "CharAdjResults",
    "CrossSectionModel",
    "CrossSectionReport",
    "CrossSectionResults",
    "Setup",
]
