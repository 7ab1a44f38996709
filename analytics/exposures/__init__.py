"""Holdings-based factor exposures: bottom-up vs top-down (chapter section 13.8)."""

from analytics.exposures.holdings import Holdings, holdings_dataset, holdings_from_table, load_holdings
from analytics.exposures.model import METHODS, ExposureModel, exposures_job
from analytics.exposures.results import ExposureResults, HoldingsView

__all__ = [
    "Holdings", "holdings_dataset", "holdings_from_table", "load_holdings",
    "METHODS", "ExposureModel", "exposures_job", "ExposureResults", "HoldingsView",
]
