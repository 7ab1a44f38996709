"""Characteristic-adjusted returns: per-date cross-sections, Fama-MacBeth, pure plays (section 13.9)."""

from analytics.crosssection.engines import ENGINES
from analytics.crosssection.model import CrossSectionModel, Setup
from analytics.crosssection.report import CrossSectionReport, cross_section_report_job
from analytics.crosssection.results import CharAdjResults, CrossSectionResults

__all__ = [
    "ENGINES",
    "CharAdjResults",
    "CrossSectionModel",
    "CrossSectionReport",
    "CrossSectionResults",
    "Setup",
    "cross_section_report_job",
]
