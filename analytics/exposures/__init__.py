"""Holdings-based factor exposures: bottom-up vs top-down (chapter section 13.8).

Holdings are read by :mod:`analytics.data.holdings` (the loaders are the only code that
touches files); this package models them.
"""

from analytics.exposures.model import METHODS, ExposureModel, exposures_job
from analytics.exposures.results import ExposureResults, HoldingsView

__all__ = ["METHODS", "ExposureModel", "ExposureResults", "HoldingsView", "exposures_job"]
